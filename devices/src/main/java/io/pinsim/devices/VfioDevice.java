package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.trace.KernelLog;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A device assigned with VFIO type1 (drivers/vfio/vfio_iommu_type1.c): VFIO_IOMMU_MAP_DMA pins the
 * whole range long-term into the IOMMU page table by IOVA and charges locked_vm; the device DMAs by
 * IOVA through the IOMMU, to the pinned frames whatever the process maps now; VFIO_IOMMU_UNMAP_DMA
 * unpins, dirtying the pages the device could write.
 */
public final class VfioDevice {
    /** One VFIO_IOMMU_MAP_DMA mapping. */
    public record DmaMapping(long iova, long size, long vaddr, boolean write, GupPages pages) {
        boolean covers(long a) {
            return a >= iova && a < iova + size;
        }
    }

    private final Kernel kernel;
    private final DriverContext ctx;
    private final String name;
    private final NavigableMap<Long, DmaMapping> iommu = new TreeMap<>();
    private Process owner;

    /** @param name the device's PCI address, e.g. {@code 0000:01:00.0} */
    public VfioDevice(Kernel kernel, String name) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        this.ctx = DriverContext.attach(kernel, name);
    }

    /** @return the device name, a PCI address such as {@code 0000:01:00.0} */
    public String name() {
        return name;
    }

    /** The mappings, by IOVA. */
    public Map<Long, DmaMapping> mappings() {
        return java.util.Collections.unmodifiableMap(iommu);
    }

    /**
     * VFIO_IOMMU_MAP_DMA {vaddr, iova, size, READ[|WRITE]} from process p: vfio_pin_pages_remote()
     * charges locked_vm and pins with pin_user_pages_remote(FOLL_LONGTERM [| FOLL_WRITE]).
     *
     * @throws ErrnoException EINVAL for unaligned or empty ranges and for an IOVA range outside the
     *                        IOMMU's valid ranges (a negative IOVA); EEXIST for an IOVA already
     *                        mapped; ENOMEM past RLIMIT_MEMLOCK, with the kernel's warning; what
     *                        GUP refuses (EFAULT, EOPNOTSUPP). Nothing stays pinned or charged.
     */
    public DmaMapping mapDma(Process process, long vaddr, long iova, long size, boolean write) {
        Objects.requireNonNull(process, "process");
        Process p = process;
        if (p.kernel() != kernel) {
            throw new IllegalArgumentException(name + " is attached to " + kernel + ", not to the kernel of " + p + "; create a device per kernel");
        }
        if (!p.isAlive()) {
            throw new IllegalStateException(p + " is not alive: it has exited; map the memory of a live process");
        }
        String call = "VFIO_IOMMU_MAP_DMA(vaddr " + Kernel.hex(vaddr) + ", iova " + Kernel.hex(iova) + ", " + size + (write ? ", READ|WRITE)" : ", READ)");
        return ctx.call(call, () -> {
            if (owner != null && owner != p) {
                throw new ErrnoException(Errno.EPERM, "VFIO_IOMMU_MAP_DMA", "the container belongs to \"" + owner.name() + "\"");
            }
            long mask = Kernel.PAGE_SIZE - 1L;
            if (size <= 0 || ((vaddr | iova | size) & mask) != 0) {
                throw new ErrnoException(Errno.EINVAL, "VFIO_IOMMU_MAP_DMA", "vaddr, iova and size must be page aligned and size positive (vfio_dma_do_map)");
            }
            if (wraps(iova, size) || wraps(vaddr, size)) {
                throw new ErrnoException(Errno.EINVAL, "VFIO_IOMMU_MAP_DMA", "the IOVA or virtual range wraps (vfio_dma_do_map: iova + size - 1 < iova)");
            }
            if (iova < 0 || iova + size < 0) {
                // The model's IOMMU aperture is [0, 2^63); the kernel checks the range against the domain's
                // valid IOVA ranges (vfio_iommu_iova_dma_valid()) and returns -EINVAL outside them.
                throw new ErrnoException(Errno.EINVAL, "VFIO_IOMMU_MAP_DMA", "iova range " + Kernel.hex(iova) + "+" + size
                        + " lies outside the IOMMU's valid IOVA ranges (vfio_iommu_iova_dma_valid)");
            }
            for (DmaMapping m : iommu.values()) {
                if (iova < m.iova() + m.size() && m.iova() < iova + size) {
                    throw new ErrnoException(Errno.EEXIST, "VFIO_IOMMU_MAP_DMA", "IOVA range overlaps " + Kernel.hex(m.iova()) + "+" + m.size() + " (vfio_find_dma)");
                }
            }
            int npages = (int) (size >>> Kernel.PAGE_SHIFT);
            try {
                ctx.accountLockedVm(p, npages);
            } catch (ErrnoException e) {
                // __account_locked_vm() refuses only past RLIMIT_MEMLOCK; vfio_pin_pages_remote() warns first
                ctx.log(KernelLog.Level.WARN, "vfio_pin_pages_remote: RLIMIT_MEMLOCK (" + p.rlimitMemlock() + ") exceeded");
                throw e;
            }
            GupPages pages = null;
            try {
                pages = ctx.pinUserPages(p, vaddr, npages, Foll.LONGTERM | (write ? Foll.WRITE : 0), "iova " + Kernel.hex(iova));
                if (pages.count() < npages) {
                    throw new ErrnoException(Errno.EFAULT, "VFIO_IOMMU_MAP_DMA", "only " + pages.count() + " of " + npages + " pages could be pinned");
                }
            } catch (ErrnoException e) {
                if (pages != null) {
                    pages.unpin(false);
                }
                ctx.unaccountLockedVm(p, npages);
                throw e;
            }
            owner = p;
            DmaMapping m = new DmaMapping(iova, size, vaddr, write, pages);
            iommu.put(iova, m);
            return m;
        });
    }

    /**
     * VFIO_IOMMU_UNMAP_DMA {iova, size}: IOMMU unmap, then unpin_user_pages_dirty_lock(.., prot &amp;
     * IOMMU_WRITE) and return locked_vm. Unmapping a range that maps nothing unmaps nothing.
     *
     * @return the bytes unmapped
     */
    public long unmapDma(long iova, long size) {
        return ctx.call("VFIO_IOMMU_UNMAP_DMA(iova " + Kernel.hex(iova) + ", " + size + ")", () -> {
            if (size <= 0 || ((iova | size) & (Kernel.PAGE_SIZE - 1L)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "VFIO_IOMMU_UNMAP_DMA", "iova and size must be page aligned and size positive");
            }
            if (wraps(iova, size)) {
                throw new ErrnoException(Errno.EINVAL, "VFIO_IOMMU_UNMAP_DMA", "the IOVA range wraps (vfio_dma_do_unmap: iova + size - 1 < iova)");
            }
            long unmapped = 0;
            for (DmaMapping m : java.util.List.copyOf(iommu.values())) {
                if (m.iova() >= iova && m.iova() + m.size() <= iova + size) {
                    iommu.remove(m.iova());
                    m.pages().unpin(m.write());
                    ctx.unaccountLockedVm(owner, m.pages().count());
                    unmapped += m.size();
                } else if (m.iova() < iova + size && iova < m.iova() + m.size()) {
                    throw new ErrnoException(Errno.EINVAL, "VFIO_IOMMU_UNMAP_DMA", "the range splits the mapping at " + Kernel.hex(m.iova()) + " (type1 does not split mappings)");
                }
            }
            return unmapped;
        });
    }

    /** The device writes by IOVA through the IOMMU (iommu_map()'d by VFIO_IOMMU_MAP_DMA); an IOVA not mapped writable is an IOMMU fault and nothing is written. */
    public void dmaWrite(long iova, byte[] data) {
        Objects.requireNonNull(data, "data");
        DmaMapping m = translate(iova, data.length, true);
        m.pages().write(iova - m.iova(), data);
    }

    /**
     * The device reads by IOVA through the IOMMU; an IOVA not mapped is an IOMMU fault.
     *
     * @throws IllegalArgumentException for a negative length
     */
    public byte[] dmaRead(long iova, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length " + length + " must not be negative");
        }
        DmaMapping m = translate(iova, length, false);
        return m.pages().read(iova - m.iova(), length);
    }

    /** {@code start + size - 1 < start} as the kernel compares it: unsigned, so the range ends past 2^64. */
    private static boolean wraps(long start, long size) {
        return Long.compareUnsigned(start + size - 1, start) < 0;
    }

    /**
     * The IOMMU's translation: a miss or a write to a read-only IOVA is a DMA fault the IOMMU driver
     * reports (intel-iommu's dmar_fault(): "DMAR: [DMA Write] Request device ... PTE Write access is
     * not set") and the access is blocked.
     */
    private DmaMapping translate(long iova, int length, boolean write) {
        Map.Entry<Long, DmaMapping> e = iommu.floorEntry(iova);
        DmaMapping m = e == null ? null : e.getValue();
        String reason = null;
        if (m == null || !m.covers(iova) || !m.covers(iova + Math.max(0, length - 1))) {
            reason = "not mapped in the IOMMU page table";
        } else if (write && !m.write()) {
            reason = "PTE Write access is not set";
        }
        if (reason != null) {
            IommuFaultException fault = new IommuFaultException(name, iova, write, reason);
            ctx.log(KernelLog.Level.CRIT, fault.getMessage());
            ctx.trace("IOMMU blocked a DMA " + (write ? "write" : "read") + " of " + length + " bytes at iova " + Kernel.hex(iova) + ": " + reason);
            throw fault;
        }
        return m;
    }

    @Override
    public String toString() {
        return "VFIO device " + name;
    }
}
