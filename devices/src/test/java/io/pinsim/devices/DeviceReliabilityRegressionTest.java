package io.pinsim.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The device failures a random-operation run found (project issue 11), each as the shortest sequence that showed it. */
class DeviceReliabilityRegressionTest {
    static final int PAGE = Kernel.PAGE_SIZE;
    static final int ACCESS = IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE | IbAccess.REMOTE_READ;

    static byte[] fill(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /**
     * After ibv_fork_init(), ibv_dereg_mr() undoes MADV_DONTFORK with MADV_DOFORK. With part of the
     * MR unmapped that madvise() fails with ENOMEM; libibverbs' do_madvise() retries page by page and
     * ignores the errors, and ibv_dereg_mr() ignores ibv_dofork_range()'s result anyway. The model
     * threw ENOMEM out of deregMr() after the MR was already gone.
     */
    @Test
    void deregMrSucceedsWhenPartOfTheRangeWasUnmapped() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_5_10).build();
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        assertThat(nic.ibvForkInit(a)).isEqualTo(ForkStatus.ENABLED);
        long buf = a.mmap(3L * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, fill('A', 3 * PAGE));
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, 3L * PAGE, ACCESS);
        a.munmap(buf + PAGE, PAGE);
        nic.deregMr(mr);
        assertThat(a.pinnedVm()).isZero();
        assertThat(a.vmaAt(buf).isDontCopy()).as("MADV_DOFORK reached the pages still mapped").isFalse();
        assertThat(a.vmaAt(buf + 2L * PAGE).isDontCopy()).isFalse();
        Process child = a.fork();
        assertThat((char) child.read(buf + 2L * PAGE, 1)[0]).isEqualTo('A');
        k.checkInvariants();
    }

    /** ib_check_mr_access(): remote write or atomic access without LOCAL_WRITE is -EINVAL; nothing is pinned or charged. */
    @Test
    void regMrRefusesRemoteWriteWithoutLocalWrite() {
        Kernel k = Kernel.builder().model(KernelModel.LATEST).build();
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, fill('A', PAGE));
        ProtectionDomain pd = nic.allocPd(a);
        for (int access : new int[] {IbAccess.REMOTE_WRITE, IbAccess.REMOTE_ATOMIC | IbAccess.REMOTE_READ, IbAccess.REMOTE_WRITE | IbAccess.ON_DEMAND}) {
            assertThatThrownBy(() -> nic.regMr(pd, buf, PAGE, access)).isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                assertThat(e.reason()).contains("ib_check_mr_access");
            });
        }
        assertThat(a.pinnedVm()).isZero();
        assertThat(a.frameAt(buf).maybeDmaPinned()).isFalse();
        assertThat(nic.regMr(pd, buf, PAGE, IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE)).isNotNull();
    }

    /** VFIO_IOMMU_MAP_DMA with an IOVA outside the IOMMU's valid ranges is -EINVAL (vfio_iommu_iova_dma_valid()). */
    @Test
    void mapDmaRefusesANegativeIova() {
        Kernel k = Kernel.builder().model(KernelModel.LATEST).build();
        VfioDevice dev = new VfioDevice(k, "0000:01:00.0");
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertThatThrownBy(() -> dev.mapDma(a, buf, -PAGE, PAGE, true)).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            assertThat(e.reason()).contains("valid IOVA ranges");
        });
        assertThat(dev.mappings()).isEmpty();
        assertThat(a.lockedVm()).isZero();
        assertThat(a.populatedPtes()).as("nothing was pinned").isZero();
    }

    /**
     * A work request whose offset + length overflows a long passed the MR bounds check and reached
     * the pinned pages' span check, which threw out of process(). It completes with
     * IB_WC_LOC_PROT_ERR, as any access outside the MR does.
     */
    @Test
    void aWorkRequestWhoseRangeOverflowsCompletesWithALocalProtectionError() {
        Kernel k = Kernel.builder().model(KernelModel.LATEST).build();
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ACCESS);
        nic.postRead(mr, Long.MAX_VALUE, 16);
        nic.postWrite(mr, Long.MAX_VALUE - 4, new byte[16]);
        nic.processAll();
        assertThat(nic.cq().poll()).extracting(Completion::status).containsExactly(WcStatus.LOC_PROT_ERR, WcStatus.LOC_PROT_ERR);
        k.checkInvariants();
    }

    /**
     * ibv_reg_mr() of 2^45 bytes with CAP_IPC_LOCK: the page count (2^33) was cast to an int, 0, so
     * nothing was pinned and an MR of 32 TiB was registered over no pages. Now it is ENOMEM, and
     * without CAP_IPC_LOCK ib_umem_get()'s RLIMIT_MEMLOCK check says so first.
     */
    @Test
    void aRegistrationOfMorePagesThanAnIntCountsIsRefused() {
        Kernel k = Kernel.builder().model(KernelModel.LATEST).build();
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        ProtectionDomain pd = nic.allocPd(a);
        assertThatThrownBy(() -> nic.regMr(pd, 0x10000, 1L << 45, ACCESS)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.reason()).contains("RLIMIT_MEMLOCK"));
        a.setCapIpcLock(true);
        assertThatThrownBy(() -> nic.regMr(pd, 0x10000, 1L << 45, ACCESS)).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
            assertThat(e.reason()).contains("2^31 - 1 pages");
        });
        assertThat(a.pinnedVm()).isZero();
    }

    /**
     * Fuzzer seed 0, sequences 436 and 737 (issue 16): a chunked MR registration whose process was
     * killed (SIGSEGV from a bad access) between its steps threw IllegalStateException from
     * isBlocked(), and the chunks it had pinned stayed pinned. Now the next step fails the
     * registration with EINTR, as GUP does when fatal_signal_pending(), and unpins them.
     */
    @Test
    void aChunkedRegistrationWhoseProcessDiedFailsWithEintrAndUnpins() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_4_19).build();
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = a.mmap(600L * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        MrRegistrationSteps reg = nic.regMrSteps(nic.allocPd(a), buf, 600L * PAGE, ACCESS);
        reg.step(); // the charge
        reg.step(); // chunk 1: 512 pages pinned
        assertThat(reg.chunksPinned()).isEqualTo(1);
        assertThatThrownBy(() -> a.read(0x1000, 1)).isInstanceOf(io.pinsim.runtime.SignalException.class);
        assertThat(a.isAlive()).isFalse();
        assertThat(reg.isBlocked()).isFalse();
        reg.step();
        assertThat(reg.isDone()).isTrue();
        assertThat(reg.failure()).hasValueSatisfying(e -> assertThat(e.errno()).isEqualTo(Errno.EINTR));
        assertThat(reg.chunksPinned()).isZero();
        k.close(); // nothing stays pinned: the leak check passes
    }

    /**
     * Fuzzer seeds 3 and 9, sequence 18488: a chunk of a stepped MR registration met the page lock a
     * stepped reclaim held on a swap-cache page (between try_to_unmap() and __remove_mapping()):
     * waitsFor() considered mmap_lock only, so the chunk's GUP threw WouldBlockException from step().
     * pin_user_pages_fast() would sleep in do_swap_page()'s folio_lock_or_retry(): the chunk now
     * waits for the page lock and pins once the reclaim is done.
     */
    @Test
    void aChunkWaitsForThePageLockOfASteppedReclaim() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_1).build();
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = a.mmap(2L * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        io.pinsim.runtime.ReclaimSteps rc = k.reclaimSteps(a, buf + PAGE);
        rc.step(); // trylock_page(), add_to_swap()
        rc.step(); // try_to_unmap_one(): a swap entry, the page still locked
        MrRegistrationSteps reg = nic.regMrSteps(nic.allocPd(a), buf, 2L * PAGE, ACCESS);
        reg.step(); // the charge
        assertThat(reg.isBlocked()).isTrue();
        assertThat(reg.waitsFor()).contains("PG_locked");
        assertThatThrownBy(reg::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("waits for");
        rc.run();
        assertThat(reg.isBlocked()).isFalse();
        reg.step(); // the chunk: faults the page back in and pins both
        assertThat(reg.isDone()).isTrue();
        assertThat(reg.failure()).isEmpty();
        nic.deregMr(reg.result());
        k.close();
    }
}
