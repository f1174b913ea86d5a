package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.SealFlags;
import io.pinsim.runtime.model.MemfdFutureWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The seals of a tmpfs or hugetlbfs inode (shmem_inode_info-&gt;seals, hugetlbfs_inode_info-&gt;seals,
 * F_SEAL_SEAL from shmem_get_inode() / hugetlbfs_get_inode()) and the mm side of them: the
 * i_mmap_writable denial F_SEAL_WRITE sets (mapping_deny_writable(), checked by
 * mapping_map_writable() in mmap_region()), the -&gt;mmap check of F_SEAL_FUTURE_WRITE
 * (seal_check_future_write()) and memfd_wait_for_pins()'s look for extra references.
 */
public final class FileSeals {
    /** The seals (SealFlags). */
    public int seals = SealFlags.SEAL;
    /** i_mode &amp; 0111: a memfd is executable unless made with MFD_NOEXEC_SEAL (shmem_file_setup() makes it S_IRWXUGO). */
    public boolean executable = true;
    /** mapping_deny_writable() succeeded (i_mmap_writable &lt; 0): set with F_SEAL_WRITE by its checks, and only then. */
    public boolean writeDenied;

    /**
     * The seal checks of mmap_region() for a mapping of this file, in the kernel's order, before
     * MAP_FIXED unmaps anything (the kernel makes them after do_munmap() of the MAP_FIXED range: a
     * departure so that a refused call changes nothing, as the model's other mmap checks do):
     * mapping_map_writable() refuses every VM_SHARED mapping (a MAP_SHARED mapping of a file open
     * for writing, even PROT_READ, until 6.7) of a write-denied file; then the filesystem's -&gt;mmap
     * per {@link MemfdFutureWrite}: F_SEAL_FUTURE_WRITE refuses a shared writable mapping and
     * clears VM_MAYWRITE of a shared read-only one.
     *
     * @return the VMA flags, VM_MAYWRITE cleared where the seal says so
     * @throws ErrnoException EPERM as above
     */
    public static int checkMmap(MmCore k, AddressSpace mapping, boolean hugetlbfs, int vmFlags) {
        FileSeals s = mapping == null ? null : mapping.seals;
        if (s == null) {
            return vmFlags;
        }
        boolean shared = (vmFlags & VmArea.VM_SHARED) != 0;
        if (shared && s.writeDenied) {
            throw new ErrnoException(Errno.EPERM, "mmap", mapping.name() + " is sealed " + SealFlags.describe(s.seals)
                    + ": mapping_map_writable() refuses a MAP_SHARED mapping of a file open for writing, even a PROT_READ one (i_mmap_writable < 0)");
        }
        MemfdFutureWrite fw = k.model().get(MemfdFutureWrite.class);
        boolean checks = fw == MemfdFutureWrite.SHMEM_AND_HUGETLBFS_MMAP_CHECK || (fw == MemfdFutureWrite.SHMEM_MMAP_CHECK && !hugetlbfs);
        if (checks && (s.seals & SealFlags.FUTURE_WRITE) != 0 && shared) {
            if ((vmFlags & VmArea.VM_WRITE) != 0) {
                throw new ErrnoException(Errno.EPERM, "mmap", mapping.name() + " is sealed F_SEAL_FUTURE_WRITE: no new shared writable mapping ("
                        + (hugetlbfs ? "hugetlbfs_file_mmap" : "shmem_mmap") + ": seal_check_future_write())");
            }
            return vmFlags & ~VmArea.VM_MAYWRITE;
        }
        return vmFlags;
    }

    /** mapping_deny_writable(): EBUSY while a VM_SHARED mapping of the file exists (i_mmap_writable &gt; 0), else null. */
    static ErrnoException writableMappingRefusal(AddressSpace mapping, String call) {
        for (VmArea v : mapping.vmas) {
            if ((v.flags & VmArea.VM_SHARED) != 0) {
                return new ErrnoException(Errno.EBUSY, call, mapping.name() + " has the shared mapping " + v + " of a file open for writing (mapping_deny_writable(): "
                        + "i_mmap_writable > 0); unmap it first");
            }
        }
        return null;
    }

    /**
     * memfd_wait_for_pins() (shmem_wait_for_pins() before 4.18): every page in the page cache whose
     * page_count() - total_mapcount() is not the page cache's own reference (cache_count 1; a
     * hugetlb folio is one entry, counted folio-wide) is tagged and waited for up to LAST_SCAN (4)
     * times (about 150 ms); a page still referenced at the last scan makes it EBUSY. The model has
     * no other thread to drop a reference while it waits, so it answers as the last scan would:
     * EBUSY for any page with a GUP reference or pin now (a long-term pin of an RDMA MR or an
     * io_uring fixed buffer, direct I/O in flight). Shmem THPs (cache_count HPAGE_PMD_NR) are not
     * modelled.
     *
     * @return EBUSY naming the referenced pages, or null
     */
    static ErrnoException pinRefusal(AddressSpace mapping, String call) {
        List<String> pinned = new ArrayList<>();
        for (Map.Entry<Long, Page> e : mapping.pages.entrySet()) {
            Page p = e.getValue();
            int extra = p.nonMappingRefs() - 1;
            if (extra != 0 && pinned.size() < 4) {
                pinned.add("page " + e.getKey() + (p.isHugetlb() ? " (hugetlb folio)" : "") + " #" + p.pfn() + ": " + extra + " extra reference(s) " + p.holders());
            } else if (extra != 0) {
                pinned.add("...");
                break;
            }
        }
        return pinned.isEmpty() ? null : new ErrnoException(Errno.EBUSY, call, "pages of " + mapping.name() + " are still referenced after the last scan "
                + "(memfd_wait_for_pins(): page_count() - total_mapcount() != 1): " + String.join("; ", pinned));
    }

    /**
     * F_SEAL_WRITE's checks in memfd_add_seals(): mapping_deny_writable(), then memfd_wait_for_pins()
     * (the denial undone if it fails). On success the file is write-denied.
     *
     * @throws ErrnoException EBUSY as above
     */
    public static void denyWrite(AddressSpace mapping, String call) {
        ErrnoException e = writableMappingRefusal(mapping, call);
        if (e == null) {
            e = pinRefusal(mapping, call);
        }
        if (e != null) {
            throw e;
        }
        mapping.seals.writeDenied = true;
    }
}
