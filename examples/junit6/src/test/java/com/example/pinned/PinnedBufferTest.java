package com.example.pinned;

import static io.pinsim.dsl.Pinsim.*;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.junit.PinsimTest;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

class PinnedBufferTest {
    /** With the extension: a fresh kernel per test, the trace and timeline when it fails. */
    @PinsimTest(model = "LINUX_6_6")
    void parentKeepsTheDmaAfterFork(Scenario s) {
        s.process("A").malloc(pages(1)).pin(rdma).fork().parentWrites(text("p")).dmaCompletes()
                .assertParentSees(dmaData());
    }

    /** Once per kernel model; on 4.19 and 5.8 the kernel loses the DMA, which @KnownBug documents. */
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8"}, reference = "70e806e4e645", expect = BugKind.DEVICE_DATA_LOST, because = "copied frame")
    void parentKeepsTheDmaOnEveryModel(Scenario s) {
        s.process("A").malloc(pages(1)).pin(rdma).fork().parentWrites(text("p")).dmaCompletes()
                .assertParentSees(dmaData());
    }

    /** Without the extension: the scenario DSL in a plain JUnit test. */
    @Test
    void childWritesDoNotReachThePinnedPage() {
        kernel(KernelModel.LINUX_5_10).process("A").malloc(pages(1)).pin(rdma).fork().childWrites('C').dmaCompletes()
                .assertParentSees(dmaData());
    }
}
