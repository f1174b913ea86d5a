package io.pinsim.devices;

import io.pinsim.runtime.PublicSnapshot;

import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.Filesystem;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.Trace;
import java.util.Arrays;
import java.util.List;

/**
 * What a row of {@link DeviceBadInputTableTest} works on, built fresh for each row: a NIC with a
 * pinned, a read-only, an ODP and a deregistered MR, a second NIC, work requests, a VFIO device with
 * one mapping, an NVMe disk under ext4 with a bio in flight, an exited process, and a NIC on another
 * kernel.
 */
final class DeviceBadInputFixture {
    static final int PAGE = Kernel.PAGE_SIZE;
    static final int RW_ACCESS = IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE | IbAccess.REMOTE_READ;
    static final long IOVA = 0x100000L;

    final Kernel k = Kernel.builder().model(KernelModel.LATEST).build();
    final RdmaNic nic = new RdmaNic(k, "mlx5_0");
    final RdmaNic nic2 = new RdmaNic(k, "mlx5_1");
    final VfioDevice vfio = new VfioDevice(k, "0000:01:00.0");
    final NvmeDisk disk = new NvmeDisk(k, "nvme0n1");
    final Process a = k.spawn("A");
    final Process c = k.spawn("C");
    final long buf = buffer(a, 4, 'A');
    final long cbuf = buffer(c, 1, 'C');
    final ProtectionDomain pd = nic.allocPd(a);
    final ProtectionDomain pd2 = nic2.allocPd(a);
    final MemoryRegion mr = nic.regMr(pd, buf, PAGE, RW_ACCESS);
    final MemoryRegion roMr = nic.regMr(pd, buf + PAGE, PAGE, IbAccess.REMOTE_READ);
    final MemoryRegion odpMr = nic.regMr(pd, buf, 2L * PAGE, IbAccess.LOCAL_WRITE | IbAccess.ON_DEMAND);
    final MemoryRegion deadMr = nic.regMr(pd, buf + 2L * PAGE, PAGE, RW_ACCESS);
    final MemoryRegion mr2 = nic2.regMr(pd2, buf, PAGE, RW_ACCESS);
    final WorkRequest postedWr = nic.postWrite(mr, 0, new byte[16]);
    final WorkRequest wr2 = nic2.postWrite(mr2, 0, new byte[16]);
    final VfioDevice.DmaMapping mapping = vfio.mapDma(a, buf + 2L * PAGE, IOVA, 2L * PAGE, true);
    final Filesystem ext4 = k.mount(FsKind.EXT4, disk);
    final Inode file = ext4.create("f", fill('F', 2 * PAGE));
    final OpenFile direct = a.open(file, OpenFlags.RDWR | OpenFlags.DIRECT);
    final DirectIo flyingDio = direct.startDirectRead(buf + 3L * PAGE, 512, 0);
    final Process dead = k.spawn("D");
    final ProtectionDomain deadPd = nic.allocPd(dead);

    final Gpu gpu = new Gpu(k, "gpu0");
    final Gpu gpu1 = new Gpu(k, "gpu1");
    final GpuBo userptrBo = gpu.createUserptr(a, buf, PAGE, UserptrMode.HMM);
    final GpuBo vramBo = gpu.createBo(PAGE);
    final GpuBo unmappedBo = gpu.createUserptr(a, 0x10000L, PAGE, UserptrMode.GUP_WITH_NOTIFIER);
    final GpuBo freedBo = gpu.createBo(PAGE);
    final GpuBo otherGpuBo = gpu1.createBo(PAGE);
    final GpuJob queuedJob = gpu.submit(vramBo, 0, new byte[16]);
    final GpuJob blockedJob = gpu1.submit(otherGpuBo, 0, new byte[16], queuedJob);

    final Kernel k2 = Kernel.builder().model(KernelModel.LATEST).name("other").build();
    final RdmaNic nicB = new RdmaNic(k2, "mlx5_0");
    final Process b = k2.spawn("B");
    final long bbuf = buffer(b, 1, 'B');
    final MemoryRegion mrB = nicB.regMr(nicB.allocPd(b), bbuf, PAGE, RW_ACCESS);
    final Gpu gpuB = new Gpu(k2, "gpu0");
    final GpuJob jobB = gpuB.submit(gpuB.createBo(PAGE), 0, new byte[16]);

    DeviceBadInputFixture() {
        nic.deregMr(deadMr);
        gpu.freeBo(freedBo);
        dead.exit();
    }

    GpuJob signalledJob() {
        GpuJob j = gpu.submit(vramBo, 0, new byte[16]);
        j.complete();
        return j;
    }

    WorkRequest doneWr() {
        WorkRequest wr = nic.postRead(mr, 0, 16);
        nic.process(wr);
        return wr;
    }

    static long buffer(Process p, int pages, char ch) {
        long addr = p.mmap((long) pages * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        p.write(addr, fill(ch, pages * PAGE));
        return addr;
    }

    static byte[] fill(char ch, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) ch);
        return b;
    }

    /** The kernels' memory and files, and every device's state a refused call must leave alone. */
    String state() {
        return PublicSnapshot.of(k) + "posted " + nic.posted() + nic2.posted() + ", cq " + nic.cq().size() + "/" + nic2.cq().size()
                + ", MRs " + List.of(mr, roMr, odpMr, deadMr, mr2) + ", odp entries " + odpMr.deviceTable().size() + ", fork " + nic.forkStatus(a)
                + ", iommu " + vfio.mappings().keySet() + ", bios " + disk.inflight() + ", gpu " + gpuState(gpu) + gpuState(gpu1)
                + "\n--- other kernel\n" + PublicSnapshot.of(k2) + "posted " + nicB.posted() + ", MR " + mrB;
    }

    static String gpuState(Gpu g) {
        StringBuilder sb = new StringBuilder();
        for (GpuBo bo : g.bos()) {
            sb.append(bo).append(bo.isFreed() ? " freed" : "").append(' ').append(bo.resv().fences(io.pinsim.runtime.spi.DmaResvUsage.BOOKKEEP)).append("; ");
        }
        for (GpuJob j : g.jobs()) {
            sb.append(j).append(' ').append(j.state()).append(j.isHung() ? " hung" : "").append("; ");
        }
        return sb.toString();
    }

    List<Trace> traces() {
        return List.of(k.trace(), k2.trace());
    }
}
