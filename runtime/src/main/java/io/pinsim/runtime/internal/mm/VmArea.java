package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Vma;

/**
 * A virtual memory area (struct vm_area_struct): a page-aligned range of one process's address
 * space with its protection and flags, anonymous or backed by a page cache (shmem for shared
 * anonymous memory). Read-only for users; the kernel changes it through syscalls.
 */
public final class VmArea implements io.pinsim.runtime.Vma {
    /** VM_* flags, with the kernel's values (include/linux/mm.h). */
    public static final int VM_READ = 0x1;
    public static final int VM_WRITE = 0x2;
    public static final int VM_EXEC = 0x4;
    public static final int VM_SHARED = 0x8;
    public static final int VM_MAYREAD = 0x10;
    public static final int VM_MAYWRITE = 0x20;
    public static final int VM_MAYEXEC = 0x40;
    public static final int VM_MAYSHARE = 0x80;
    static final int VM_DONTCOPY = 0x20000;
    static final int VM_WIPEONFORK = 0x02000000;
    public static final int VM_SOFTDIRTY = 0x08000000;
    /** VM_HUGETLB: a mapping of hugetlb pages ({@link Hugetlb}). */
    public static final int VM_HUGETLB = 0x00400000;
    /**
     * The model's own bit beside VM_HUGETLB: the mapping's hstate is the 1 GiB one (hstate_vma()
     * reads it from the hugetlbfs file's superblock); without it, 2 MiB. Copied with the flags at
     * split and fork, and it keeps mappings of the two sizes from merging.
     */
    static final int VM_HUGETLB_1G = 0x01000000;
    /** MADV_HUGEPAGE. */
    static final int VM_HUGEPAGE = 0x20000000;
    /** MADV_NOHUGEPAGE. */
    static final int VM_NOHUGEPAGE = 0x40000000;

    public final Mm mm;
    public long startVpn;
    public long endVpn;
    public int flags;
    /** The shmem object behind a shared anonymous mapping; null for private anonymous memory. */
    public final AddressSpace mapping;
    /** The page index in {@link #mapping} of the VMA's first page. */
    public long pgoff;
    /** The open file this VMA maps, or null for anonymous memory (including shared anonymous memory). */
    public final OpenFile file;
    /** vma->anon_vma is set: the VMA has had anonymous pages (private COW copies), so fork copies its PTEs. */
    public boolean hasAnonVma;
    /**
     * The anonymous linear index of the VMA's first page minus its address: 0 until mremap() moves
     * the VMA, then the distance it moved back. The kernel keeps an anonymous VMA's vm_pgoff across
     * the move (copy_vma()), so linear_page_index() and the anon rmap still find the moved pages by
     * their unchanged page->index (vma_address()); the model's anon pages carry that index.
     */
    public long anonShift;
    /** A private hugetlb mapping's reservation map, on the owner's VMAs only (HPAGE_RESV_OWNER); null otherwise. */
    Hugetlb.PrivateResv hugetlbResv;
    /** HPAGE_RESV_UNMAPPED: the owner took a page back from this (child's) private hugetlb mapping; faults there get SIGBUS. */
    boolean hugetlbUnmapped;

    public VmArea(Mm mm, long startVpn, long endVpn, int flags, AddressSpace mapping, long pgoff, OpenFile file) {
        this.mm = mm;
        this.startVpn = startVpn;
        this.endVpn = endVpn;
        this.flags = flags;
        this.mapping = mapping;
        this.pgoff = pgoff;
        this.file = file;
    }

    /** The file mapped, or null. */
    public AddressSpace.Host inode() {
        return mapping != null ? mapping.inode : null;
    }

    /** vma_is_fsdax(). */
    boolean isFsDax() {
        return inode() != null && inode().kind().isDax();
    }

    /**
     * vma_needs_dirty_tracking(): a shared writable mapping of a file whose filesystem has
     * ->page_mkwrite and writes back (ext4), as GUP's 6.5 long-term pin rule asks it.
     */
    boolean needsDirtyTracking() {
        return isShared() && (flags & VM_WRITE) != 0 && inode() != null && inode().kind().needsDirtyTracking();
    }

    /** vma_soft_dirty_enabled(): clear_refs cleared VM_SOFTDIRTY, so writes must fault to be noticed. */
    public boolean softDirtyEnabled() {
        return (flags & VM_SOFTDIRTY) == 0;
    }

    /**
     * vma_wants_writenotify(): a shared writable mapping gets read-only PTEs until the first write
     * fault when the filesystem tracks dirty pages (ext4) or soft-dirty tracking is on.
     */
    public boolean wantsWritenotify() {
        return isShared() && (flags & VM_WRITE) != 0 && (needsDirtyTracking() || softDirtyEnabled());
    }

    /** The first address. */
    public long start() {
        return startVpn << Kernel.PAGE_SHIFT;
    }

    /** The address after the last byte. */
    public long end() {
        return endVpn << Kernel.PAGE_SHIFT;
    }

    public long length() {
        return end() - start();
    }

    /** PROT_* bits of the current protection. */
    public int prot() {
        return flags & (VM_READ | VM_WRITE | VM_EXEC);
    }

    @Override
    public boolean isShared() {
        return (flags & VM_SHARED) != 0;
    }

    @Override
    public boolean isAnonymous() {
        return mapping == null;
    }

    @Override
    public boolean isDontCopy() {
        return (flags & VM_DONTCOPY) != 0;
    }

    @Override
    public boolean isWipeOnFork() {
        return (flags & VM_WIPEONFORK) != 0;
    }

    @Override
    public boolean isCowMapping() {
        return isCowMapping(flags);
    }

    static boolean isCowMapping(int flags) {
        return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
    }

    boolean contains(long vpn) {
        return vpn >= startVpn && vpn < endVpn;
    }

    /** linear_page_index() of an anonymous page at vpn: what page->index of an anon page mapped there is. */
    public long anonIndex(long vpn) {
        return vpn + anonShift;
    }

    /** The page-cache index of a virtual page in this VMA. */
    long indexOf(long vpn) {
        return pgoff + (vpn - startVpn);
    }

    /** The virtual page that would map a page-cache index, clamped to the VMA. */
    public long vpnFor(long index) {
        long off = index - pgoff;
        if (off <= 0) {
            return startVpn;
        }
        return off >= endVpn - startVpn ? endVpn : startVpn + off;
    }

    /** The virtual page that maps a page-cache index in this VMA, or -1 if it is outside. */
    long vpnOf(long index) {
        long vpn = startVpn + (index - pgoff);
        return contains(vpn) ? vpn : -1;
    }

    /** As /proc/pid/maps prints it: {@code 7f0000000000-7f0000002000 rw-p anon}. */
    @Override
    public String toString() {
        return Long.toHexString(start()) + "-" + Long.toHexString(end()) + " "
                + ((flags & VM_READ) != 0 ? 'r' : '-') + ((flags & VM_WRITE) != 0 ? 'w' : '-')
                + ((flags & VM_EXEC) != 0 ? 'x' : '-') + ((flags & VM_MAYSHARE) != 0 ? 's' : 'p')
                + (mapping == null ? " anon" : " " + mapping.name() + (pgoff != 0 ? " @" + (pgoff << Kernel.PAGE_SHIFT) : ""))
                + ((flags & VM_HUGETLB) != 0 ? " hugetlb" : "") + (isDontCopy() ? " dontfork" : "") + (isWipeOnFork() ? " wipeonfork" : "");
    }
}
