package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a proposal cell reads the extension's verdict: in the sample's own terms. */
class ProposalMatrixTest {

    @Test
    void aPassIsOkAndAFailedAssertionIsItsKind() {
        assertThat(ProposalMatrix.label(Catalogue.Outcome.OK, null, null)).isEqualTo("ok");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "DEVICE_DATA_LOST", "...")).isEqualTo("data lost");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "LEAK_TO_CHILD", "...")).isEqualTo("leak to child");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "DATA_CORRUPTION", "...")).isEqualTo("data corrupted");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.ERROR, null, null)).isEqualTo("ERROR");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "DATA_CORRUPTION",
                "[the frame the clients read must hold the file's contents] frame #7 (dummy page of mlx5_0, refcount 1) (held by PIN by mlx5_0 MR#256 (dummy page))"))
                .as("PROPOSAL_NOTIFY_THEN_DUMMY_PAGE: the device reads its dummy page").isEqualTo("device redirected");
    }

    @Test
    void aCallThatSleepsBlocksAndADeadlockBlocksForever() {
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "IllegalStateException",
                "ftruncate(export, 0) sleeps: it waits for page 0 of export (frame #1) is pinned by PIN by mlx5_0 MR#256; use startTruncate(0)"))
                .isEqualTo("ftruncate blocks");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "AssertionError",
                "\nexplored 2 threads\nschedule T2*3,T1*3: DEADLOCK\ndeadlock: 1 thread blocked, none can run (wait-for graph):\n  T1 truncate (A)  blocked in \"wait\""))
                .isEqualTo("truncate blocks forever");
    }

    @Test
    void aRefusedCallNamesItsErrnoAndASignalItsName() {
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "ErrnoException", "ibv_reg_mr: EFAULT (Bad address): refused"))
                .isEqualTo("ibv_reg_mr refused: EFAULT");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "ErrnoException", "ftruncate(fd 3 (dax:export), 0): ETXTBSY: DAX block 0 is pinned"))
                .isEqualTo("ftruncate refused: ETXTBSY");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "StepFailedException", "\nStep fork() failed:\n  EBUSY from fork: the page ..."))
                .as("a DSL step's failure").isEqualTo("fork refused: EBUSY");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "IllegalStateException", "EBUSY somewhere")).isEqualTo("refused: EBUSY");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "SignalException", "SIGBUS at 0x7f0000000000")).isEqualTo("signal SIGBUS");
        assertThat(ProposalMatrix.label(Catalogue.Outcome.UNEXPECTED_FAILURE, "KernelBugException", "BUG")).isEqualTo("kernel BUG");
    }
}
