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
}
