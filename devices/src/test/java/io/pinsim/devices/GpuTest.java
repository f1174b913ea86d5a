package io.pinsim.devices;

import static io.pinsim.devices.RdmaNicTest.buffer;
import static io.pinsim.devices.RdmaNicTest.fill;
import static io.pinsim.devices.RdmaNicTest.kernel;
import static io.pinsim.devices.RdmaNicTest.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.spi.Gfp;
import io.pinsim.runtime.trace.KernelLog;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The GPU: userptr BOs in both forms, command submission, fences, cross-device dependencies (device-semantics §4.4, §4.5, §4.9, §5.3). */
class GpuTest {
    static final int PAGE = Kernel.PAGE_SIZE;
    static final String MODELS = "LINUX_4_19, LINUX_5_8, LINUX_5_10, LINUX_6_1, LINUX_6_6";

    /** G1's good side: fork's invalidation waits for the job; the job wrote the parent's page before fork shared it; a later job writes only the parent's. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"LINUX_4_19, HMM", "LINUX_6_6, HMM", "LINUX_4_19, GUP_WITH_NOTIFIER", "LINUX_6_6, GUP_WITH_NOTIFIER", "LINUX_5_10, HMM", "LINUX_5_10, GUP_WITH_NOTIFIER"})
    void forkWaitsForTheJobAndLaterJobsWriteOnlyTheParent(String model, UserptrMode mode) {
        Kernel k = kernel(model);
        Gpu gpu = new Gpu(k, "gpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GpuBo bo = gpu.createUserptr(a, buf, PAGE, mode);
        GpuJob job = gpu.submit(bo, 0, fill('G', 8));
        assertThat(job.fence().isSignaled()).isFalse();
        Process child = a.fork();
        assertThat(job.state()).as("fork's invalidation waited until the job finished").isEqualTo(GpuJob.State.SIGNALLED);
        assertThat(job.fence().isIndefinite()).isFalse();
        assertThat(seen(a, buf)).isEqualTo('G');
        a.write(buf + 100, new byte[] {'P'});
        GpuJob second = gpu.submit(bo, 0, fill('H', 8));
        second.complete();
        assertThat(seen(a, buf)).as("the second job writes the parent's page").isEqualTo('H');
        assertThat(seen(child, buf)).as("the GPU never writes the child's memory").isEqualTo('G');
        assertThat(k.log().lines()).noneMatch(l -> l.level() != KernelLog.Level.INFO);
        assertThat(k.lockdep().reports()).as("the correct driver gives lockdep nothing to report").isEmpty();
        gpu.freeBo(bo);
    }

    /** The driver that only pins: after fork and the parent's COW, the job writes the page only the child maps. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void withoutANotifierTheJobWritesTheChildsPage(String model) {
        Kernel k = kernel(model);
        Gpu gpu = new Gpu(k, "gpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GpuBo bo = gpu.createUserptr(a, buf, PAGE, UserptrMode.GUP_WITHOUT_NOTIFIER);
        GpuJob job = gpu.submit(bo, 0, fill('G', 8));
        Process child = a.fork();
        assertThat(job.state()).as("nothing waited for the job").isEqualTo(GpuJob.State.QUEUED);
        a.write(buf + 100, new byte[] {'P'});
        job.complete();
        assertThat(seen(a, buf)).as("the parent lost the GPU's write").isEqualTo('A');
        assertThat(seen(child, buf)).as("the GPU wrote the child's page").isEqualTo('G');
        gpu.freeBo(bo);
    }

    /** A job runs only after the jobs it waits for; complete() refuses otherwise. */
    @Test
    void aJobWaitsForItsDependencies() {
        Kernel k = kernel("LINUX_6_6");
        Gpu a = new Gpu(k, "gpu0");
        Gpu b = new Gpu(k, "gpu1");
        GpuJob ja = a.submit(a.createBo(PAGE), 0, fill('X', 4));
        Process p = k.spawn("P");
        long buf = buffer(p, 1, 'A');
        GpuJob jb = b.submit(b.createUserptr(p, buf, PAGE, UserptrMode.HMM), 0, fill('B', 4), ja);
        assertThatThrownBy(jb::complete).isInstanceOf(IllegalStateException.class).hasMessageContaining("complete that job first");
        assertThat(jb.state()).isEqualTo(GpuJob.State.QUEUED);
        ja.complete();
        jb.complete();
        assertThat(seen(p, buf)).isEqualTo('B');
        assertThat(ja.bo().readVram(0, 4)).isEqualTo(fill('X', 4));
    }

    /** Cross-device chain: B's notifier waits for fence_B, which waits for A: A's job finishes first, inside the invalidation. */
    @Test
    void crossDeviceChainIsBoundedByTheFirstDevicesJob() {
        Kernel k = kernel("LINUX_6_6");
        Gpu a = new Gpu(k, "gpu0");
        Gpu b = new Gpu(k, "gpu1");
        Process p = k.spawn("P");
        long buf = buffer(p, 1, 'A');
        GpuJob ja = a.submit(a.createBo(PAGE), 0, fill('X', 4));
        GpuJob jb = b.submit(b.createUserptr(p, buf, PAGE, UserptrMode.HMM), 0, fill('B', 4), ja);
        int before = k.trace().step();
        p.fork();
        assertThat(ja.state()).isEqualTo(GpuJob.State.SIGNALLED);
        assertThat(jb.state()).isEqualTo(GpuJob.State.SIGNALLED);
        List<String> order = k.trace().events(e -> e.step() > before && e.message().startsWith("dma_fence_signal")).stream().map(e -> e.message()).toList();
        assertThat(order).hasSize(2);
        assertThat(order.get(0)).contains("gpu0.gfx");
        assertThat(order.get(1)).contains("gpu1.gfx");
        assertThat(seen(p, buf)).isEqualTo('B');
    }

    /** G1: a hung job behind the chain: the invalidation's wait cannot end, an indefinite fence, and the driver's error. */
    @Test
    void aHungJobMakesTheInvalidationWaitForever() {
        Kernel k = kernel("LINUX_6_6");
        Gpu a = new Gpu(k, "gpu0");
        Gpu b = new Gpu(k, "gpu1");
        Process p = k.spawn("P");
        long buf = buffer(p, 1, 'A');
        GpuJob ja = a.submit(a.createBo(PAGE), 0, fill('X', 4));
        GpuJob jb = b.submit(b.createUserptr(p, buf, PAGE, UserptrMode.HMM), 0, fill('B', 4), ja);
        ja.hang();
        p.fork();
        assertThat(jb.fence().isIndefinite()).isTrue();
        assertThat(jb.state()).isEqualTo(GpuJob.State.QUEUED);
        assertThat(k.log().contains("indefinite fence")).isTrue();
        assertThat(k.log().contains("failed to wait for user bo")).isTrue();
        ja.timeout();
        assertThat(ja.fence().error()).isEqualTo(-62);
        jb.complete();
        assertThat(jb.state()).isEqualTo(GpuJob.State.SIGNALLED);
    }

    /** A non-blockable invalidation (the OOM reaper): the driver refuses (-EAGAIN) and does not wait. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"LINUX_4_19, GUP_WITH_NOTIFIER", "LINUX_6_6, HMM"})
    void theOomReaperIsRefusedWithoutAWait(String model, UserptrMode mode) {
        Kernel k = kernel(model);
        Gpu gpu = new Gpu(k, "gpu0");
        Process p = k.spawn("P");
        long buf = buffer(p, 1, 'A');
        GpuJob job = gpu.submit(gpu.createUserptr(p, buf, PAGE, mode), 0, fill('G', 4));
        int before = k.trace().step();
        assertThat(k.oomKill(p)).as("the reaper could not reap the userptr VMA").isFalse();
        assertThat(k.trace().events(e -> e.step() > before && e.message().contains("refuses the non-blockable"))).isNotEmpty();
        assertThat(k.log().contains("unable to reap")).isTrue();
        assertThat(job.fence().isIndefinite()).isFalse();
        assertThat(job.state()).as("exit_mmap's blockable invalidation then waited for the job").isEqualTo(GpuJob.State.SIGNALLED);
    }

    /** G2: an invalidation between amdgpu_cs_parser_bos() and amdgpu_cs_submit(): -EAGAIN, no fence added, no job. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"HMM", "GUP_WITH_NOTIFIER"})
    void anInvalidationDuringSubmissionIsEagain(UserptrMode mode) {
        Kernel k = kernel("LINUX_6_6");
        Gpu gpu = new Gpu(k, "gpu0");
        Process p = k.spawn("P");
        long buf = buffer(p, 1, 'A');
        GpuBo bo = gpu.createUserptr(p, buf, PAGE, mode);
        gpu.afterParserBos = () -> p.madvise(buf, PAGE, Advice.DONTNEED);
        assertThatThrownBy(() -> gpu.submit(bo, 0, fill('G', 4))).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
        assertThat(gpu.jobs()).isEmpty();
        assertThat(bo.resv().fences(io.pinsim.runtime.spi.DmaResvUsage.BOOKKEEP)).isEmpty();
        gpu.afterParserBos = null;
        gpu.submit(bo, 0, fill('G', 4)).complete();
        assertThat(seen(p, buf)).as("the restarted ioctl got the new page").isEqualTo('G');
    }

    /** §5.3 rule 3: a reclaiming allocation in the job's signalling section is reported, with the annotations; ATOMIC is not. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19, 0", "LINUX_5_8, 0", "LINUX_5_10, 1", "LINUX_6_1, 1", "LINUX_6_6, 1"})
    void allocatingInRunJobIsReportedWhereAnnotated(String model, int reports) {
        Kernel k = kernel(model);
        Gpu gpu = new Gpu(k, "gpu0");
        gpu.allocateInRunJob(Gfp.ATOMIC);
        gpu.submit(gpu.createBo(PAGE), 0, fill('X', 4)).complete();
        assertThat(k.lockdep().reports()).as("GFP_ATOMIC never reclaims").isEmpty();
        gpu.allocateInRunJob(Gfp.KERNEL);
        gpu.submit(gpu.bos().get(0), 0, fill('Y', 4)).complete();
        assertThat(k.lockdep().reports()).hasSize(reports);
        if (reports > 0) {
            assertThat(k.lockdep().reports().get(0).cycle()).containsExactly("dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map");
            assertThat(k.lockdep().reports().get(0).actor()).isEqualTo("gpu0");
        }
    }

    /** HMM: the invalidation drops the BO's pages, so a job submitted after it faults the new ones in. */
    @Test
    void hmmInvalidationForgetsThePages() {
        Kernel k = kernel("LINUX_6_6");
        Gpu gpu = new Gpu(k, "gpu0");
        Process p = k.spawn("P");
        long buf = buffer(p, 1, 'A');
        GpuBo bo = gpu.createUserptr(p, buf, PAGE, UserptrMode.HMM);
        gpu.submit(bo, 0, fill('G', 4)).complete();
        assertThat(bo.notifier().readRetry(bo.hmmSeq)).isFalse();
        p.madvise(buf, PAGE, Advice.DONTNEED);
        assertThat(bo.hmmFrames).isNull();
        assertThat(seen(p, buf)).as("DONTNEED dropped the page").isEqualTo((char) 0);
        gpu.submit(bo, 0, fill('H', 4)).complete();
        assertThat(seen(p, buf)).isEqualTo('H');
    }
}
