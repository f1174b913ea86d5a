package io.pinsim.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fuzzer's own machinery: determinism, classification, shrinking and the printed test. */
class FuzzerSelfTest {

    @Test
    void theSameSeedGivesTheSameSequencesAndOutcomes() {
        Fuzzer a = new Fuzzer(42);
        Fuzzer b = new Fuzzer(42);
        for (long i = 0; i < 50; i++) {
            assertThat(a.generate(i)).isEqualTo(b.generate(i));
            Fuzzer.Result ra = a.run(i);
            Fuzzer.Result rb = b.run(i);
            assertThat(ra.applied()).isEqualTo(rb.applied());
            assertThat(ra.refused()).isEqualTo(rb.refused());
            assertThat(String.valueOf(ra.failure() == null ? null : ra.failure().signature()))
                    .isEqualTo(String.valueOf(rb.failure() == null ? null : rb.failure().signature()));
        }
        assertThat(new Fuzzer(43).generate(0)).isNotEqualTo(a.generate(0));
    }

    @Test
    void aFailureIsShrunkToAMinimalSequenceAndPrintedAsATest() {
        // An injected "bug": a process that maps a page some other process also maps while a pin holds it.
        Fuzzer f = new Fuzzer(7, FuzzerSelfTest::noPinnedPageSharedAcrossProcesses);
        Fuzzer.Result failed = null;
        for (long i = 0; i < 2000 && failed == null; i++) {
            Fuzzer.Result r = f.run(i);
            if (!r.ok() && r.failure().signature().contains("pinned page shared")) {
                failed = r;
            }
        }
        assertThat(failed).as("some sequence pins a page and forks").isNotNull();
        List<Op> minimal = f.shrink(failed);
        assertThat(minimal.size()).isLessThan(failed.ops().size()).isLessThanOrEqualTo(6);
        assertThat(minimal).extracting(Op::kind).contains(Op.Kind.FORK);
        String test = f.regressionTest(failed, minimal);
        assertThat(test).contains("@Test", "Kernel k = Kernel.builder().model(KernelModel.", ".fork()", "k.close();", "static void tolerate(");
    }

    /** The SVA operations drive a queue through open, I/O page faults across fork, and close; the rendered test replays them. */
    @Test
    void svaOperationsBindFaultAndUnbind() {
        Fuzzer f = new Fuzzer(0);
        java.util.List<Op> ops = java.util.List.of(new Op(Op.Kind.MMAP_ANON, 0, 1, 1, 1), new Op(Op.Kind.SVA_OPEN, 0, 0, 0, 0),
                new Op(Op.Kind.SVA_JOB, 1, 0, 0, 0), new Op(Op.Kind.FORK, 0, 0, 0, 0), new Op(Op.Kind.WRITE, 0, 0, 0, 0),
                new Op(Op.Kind.SVA_JOB, 0, 0, 0, 16), new Op(Op.Kind.SVA_CLOSE, 0, 0, 0, 0));
        Fuzzer.Run r = f.run(0, io.pinsim.runtime.model.KernelModel.LINUX_6_6, ops, true);
        assertThat(r.result().failure()).isNull();
        assertThat(r.result().applied()).isEqualTo(ops.size());
        assertThat(String.join("\n", r.java())).contains("SvaAccelerator sva = new SvaAccelerator(k, \"sva0\");", "q1.start();", "q1.mmapDus();",
                "q1.write(", "q1.read(", "q1.close()");
        Fuzzer.Run old = f.run(0, io.pinsim.runtime.model.KernelModel.LINUX_4_19, ops, false);
        assertThat(old.result().failure()).as("ENODEV without the SVA API is refused as the kernel refuses").isNull();
    }

    @Test
    void onlyDocumentedOutcomesAreFine() {
        assertThat(Fuzzer.classify(new io.pinsim.runtime.ErrnoException(io.pinsim.runtime.Errno.EINVAL, "mmap", "x"), io.pinsim.runtime.model.KernelModel.LATEST))
                .isEqualTo(Fuzzer.Verdict.FINE);
        assertThat(Fuzzer.classify(new IllegalStateException("x"), io.pinsim.runtime.model.KernelModel.LATEST)).isEqualTo(Fuzzer.Verdict.FAILURE);
        assertThat(Fuzzer.classify(new io.pinsim.runtime.KernelBugException("freed-frame-mapped", "x", ""), io.pinsim.runtime.model.KernelModel.LATEST))
                .isEqualTo(Fuzzer.Verdict.FAILURE);
        assertThat(Fuzzer.classify(new io.pinsim.runtime.KernelBugException("ext4-dirty-page-without-buffers", "x", ""), io.pinsim.runtime.model.KernelModel.LINUX_4_19))
                .isEqualTo(Fuzzer.Verdict.DOCUMENTED_BUG);
        assertThat(Fuzzer.classify(new io.pinsim.runtime.KernelBugException("ext4-dirty-page-without-buffers", "x", ""), io.pinsim.runtime.model.KernelModel.LINUX_6_6))
                .as("6.6 no longer has that BUG").isEqualTo(Fuzzer.Verdict.FAILURE);
    }

    private static void noPinnedPageSharedAcrossProcesses(Kernel k) {
        for (Process p : k.processes()) {
            if (!p.isAlive()) {
                continue;
            }
            for (var v : p.vmas()) {
                for (long a = v.start(); a < v.end(); a += Kernel.PAGE_SIZE) {
                    Frame f = p.frameAt(a);
                    if (f != null && !f.isZeroPage() && f.mapcount() > 1 && !f.holders().isEmpty()) {
                        throw new IllegalStateException("pinned page shared: " + f);
                    }
                }
            }
        }
    }
}
