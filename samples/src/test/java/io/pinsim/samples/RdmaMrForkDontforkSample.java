package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static io.pinsim.dsl.Pinsim.text;

import io.pinsim.dsl.Scenario;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Signal;

/**
 * The classic workaround: MADV_DONTFORK on the registered range, as libibverbs' ibv_fork_init()
 * does. The child gets no mapping of it, fork leaves the parent's PTEs alone, and the parent sees
 * the NIC's data on every kernel; the child faults on access.
 */
@Sample(id = "rdma-mr-fork-dontfork", title = "RDMA MR with MADV_DONTFORK (ibv_fork_init), fork, the parent writes",
        source = "rdma-core libibverbs/memory.c: ibv_fork_init(), ibv_dontfork_range()",
        story = "As rdma-mr-fork-parent-writes, with MADV_DONTFORK on the MR as ibv_fork_init() sets it: the VMA is not copied, "
                + "the parent's PTEs are not write-protected, the parent sees the NIC's data and the child faults if it touches the buffer.")
class RdmaMrForkDontforkSample {
    @PinsimModels
    void parentSeesTheDataChildFaults(Scenario s) {
        s.process("A").malloc(pages(1)).write('A').madvise(Advice.DONTFORK).pin(rdma).fork().parentWrites(text("parent"))
                .dmaCompletes().assertParentSees(dmaData()).childReads().assertFaults(Signal.SIGSEGV);
    }
}
