package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * memfd_create() (mm/memfd.c) on tmpfs and with MFD_HUGETLB on hugetlbfs (fs/hugetlbfs/inode.c):
 * the flag and name checks, ftruncate, mmap, read and write, the hugetlbfs rules (2 MiB sizes,
 * no write(), SIGBUS past EOF, reservations at mmap, truncation giving folios back to the pool).
 */
class MemfdTest {
    static final int HPAGE = 2 << 20;

    static Kernel kernel(int pool) {
        return Fixtures.builder(KernelModel.LINUX_6_6).hugetlbPages(pool).build();
    }

    static Errno errno(Throwable e) {
        return ((ErrnoException) e).errno();
    }

    @Test
    void aMemfdIsAnUnlinkedTmpfsFileOpenReadWrite() {
        Kernel k = kernel(0);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("test", MemfdFlags.CLOEXEC | MemfdFlags.ALLOW_SEALING);
        assertThat(f.inode().name()).isEqualTo("memfd:test");
        assertThat(f.inode().filesystem().kind()).isEqualTo(FsKind.TMPFS);
        assertThat(f.inode().size()).isZero();
        assertThat(k.filesystems()).as("the internal shm mount is not a mounted filesystem").isEmpty();
        OpenFile g = a.memfdCreate("test", 0);
        assertThat(g.inode()).as("names may repeat: each call makes a new inode").isNotSameAs(f.inode());
        f.ftruncate(2 * PAGE);
        long p = a.mmap(0, 2 * PAGE, RW, MapFlags.SHARED, f, 0);
        a.write(p + PAGE, "shared".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(f.pread(PAGE, 6), StandardCharsets.US_ASCII)).isEqualTo("shared");
        f.pwrite("pwrite".getBytes(StandardCharsets.US_ASCII), 0);
        assertThat(new String(a.read(p, 6), StandardCharsets.US_ASCII)).isEqualTo("pwrite");
        long q = a.mmap(0, PAGE, RW, MapFlags.PRIVATE, f, 0);
        a.write(q, fill('P', 6));
        assertThat(new String(f.pread(0, 6), StandardCharsets.US_ASCII)).as("a private mapping's write stays in its COW copy").isEqualTo("pwrite");
        f.close();
        g.close();
        a.exit();
        k.close();
    }

    @Test
    void badFlagsAndNamesAreRefusedBeforeAnythingChanges() {
        Kernel k = kernel(1);
        Process a = k.spawn("A");
        assertThat(errnoOf(() -> a.memfdCreate("x", 0x40))).as("an unknown flag").isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> a.memfdCreate("x", MemfdFlags.HUGE_2MB))).as("MFD_HUGE_* without MFD_HUGETLB").isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> a.memfdCreate("x".repeat(250), 0))).as("over MFD_NAME_MAX_LEN").isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> a.memfdCreate("x", MemfdFlags.HUGETLB | (22 << MemfdFlags.HUGE_SHIFT)))).as("no 4 MiB hstate on x86-64").isEqualTo(Errno.ENODEV);
        assertThat(a.memfdCreate("x".repeat(249), 0).inode().name()).hasSize(255);
        assertThat(a.memfdCreate("h", MemfdFlags.HUGETLB | MemfdFlags.HUGE_2MB).inode().filesystem().kind()).isEqualTo(FsKind.HUGETLBFS);
        assertThatThrownBy(() -> k.mount(FsKind.HUGETLBFS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memfdCreate");
        assertThat(k.hugePages()).as("memfd_create(MFD_HUGETLB) reserves nothing (VM_NORESERVE)").isEqualTo(new HugePages(1, 1, 0));
        k.close();
    }

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("no ErrnoException");
    }

    @Test
    void aHugetlbMemfdMapsPoolFoliosByPmd() {
        Kernel k = kernel(2);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("huge", MemfdFlags.HUGETLB);
        assertThat(errnoOf(() -> f.ftruncate(HPAGE + PAGE))).as("hugetlbfs_setattr: a multiple of 2 MiB").isEqualTo(Errno.EINVAL);
        assertThat(f.inode().size()).isZero();
        f.ftruncate(HPAGE);
        assertThat(errnoOf(() -> a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, PAGE))).as("offset not 2 MiB aligned").isEqualTo(Errno.EINVAL);
        long p = a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0);
        assertThat(p % HPAGE).isZero();
        assertThat(k.hugePages()).as("hugetlb_reserve_pages() at mmap").isEqualTo(new HugePages(2, 2, 1));
        a.write(p + HPAGE - PAGE, "huge".getBytes(StandardCharsets.US_ASCII));
        assertThat(a.pteAt(p)).contains("PMD-mapped");
        assertThat(a.frameAt(p).nrPages()).isEqualTo(512);
        assertThat(k.hugePages()).as("the fault consumed the reservation").isEqualTo(new HugePages(2, 1, 0));
        assertThat(new String(f.pread(HPAGE - PAGE, 4), StandardCharsets.US_ASCII)).as("read() works on hugetlbfs").isEqualTo("huge");
        assertThat(f.inode().cachedPage(511).compoundHead().pfn()).isEqualTo(a.frameAt(p).pfn());
        assertThat(errnoOf(() -> f.pwrite(fill('W', 4), 0))).as("hugetlbfs has no write_iter").isEqualTo(Errno.EINVAL);
        assertThat(f.inode().read(0, 1)).containsExactly(0);
        a.munmap(p, HPAGE);
        assertThat(k.hugePages()).as("the folio stays in the file's page cache after munmap").isEqualTo(new HugePages(2, 1, 0));
        long q = a.mmap(0, HPAGE, Prot.READ, MapFlags.SHARED, f, 0);
        assertThat(new String(a.read(q + HPAGE - PAGE, 4), StandardCharsets.US_ASCII)).as("a new mapping finds the folio").isEqualTo("huge");
        f.ftruncate(0);
        assertThat(k.hugePages()).as("truncation gives the folio back (remove_inode_hugepages)").isEqualTo(new HugePages(2, 2, 0));
        assertThatThrownBy(() -> a.read(q, 1)).isInstanceOf(SignalException.class);
        k.close();
    }

    @Test
    void aWritableMappingExtendsTheFileAndAReadOnlyOneFaultsPastEofWithSigbus() {
        Kernel k = kernel(2);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("huge", MemfdFlags.HUGETLB);
        long r = a.mmap(0, HPAGE, Prot.READ, MapFlags.SHARED, f, 0);
        assertThat(f.inode().size()).isZero();
        long w = a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0);
        assertThat(f.inode().size()).as("hugetlbfs_file_mmap: VM_WRITE extends i_size").isEqualTo(HPAGE);
        a.write(w, fill('X', 1));
        assertThat(a.read(r, 1)).containsExactly('X');
        Process b = k.spawn("B");
        OpenFile g = b.memfdCreate("other", MemfdFlags.HUGETLB);
        long s = b.mmap(0, HPAGE, Prot.READ, MapFlags.SHARED, g, 0);
        assertThatThrownBy(() -> b.read(s, 1)).as("hugetlb_no_page past i_size").isInstanceOf(SignalException.class);
        assertThat(b.isAlive()).isFalse();
        k.close();
    }

    @Test
    void mmapFailsWithEnomemWhenThePoolCannotReserve() {
        Kernel k = kernel(1);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("huge", MemfdFlags.HUGETLB);
        f.ftruncate(2L * HPAGE);
        assertThat(errnoOf(() -> a.mmap(0, 2L * HPAGE, RW, MapFlags.SHARED, f, 0))).isEqualTo(Errno.ENOMEM);
        assertThat(a.vmas()).isEmpty();
        long p = a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0);
        long q = a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0);
        assertThat(k.hugePages()).as("a second mapping of the same page reserves nothing more (region_chg)").isEqualTo(new HugePages(1, 1, 1));
        a.write(p, fill('S', 1));
        assertThat(a.read(q, 1)).containsExactly('S');
        k.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void aPrivateMappingReadsThePageCacheFolioAndCopiesItOnWrite(String model) {
        Kernel k = Fixtures.builder(KernelModel.byName(model)).hugetlbPages(3).build();
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("huge", MemfdFlags.HUGETLB);
        f.ftruncate(HPAGE);
        long s = a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0);
        a.write(s, fill('F', 1));
        long p = a.mmap(0, HPAGE, RW, MapFlags.PRIVATE, f, 0);
        assertThat(a.read(p, 1)).containsExactly('F');
        assertThat(a.frameAt(p).pfn()).as("the private mapping maps the page-cache folio").isEqualTo(a.frameAt(s).pfn());
        a.write(p, fill('P', 1));
        assertThat(a.frameAt(p).pfn()).as("hugetlb_wp copied it").isNotEqualTo(a.frameAt(s).pfn());
        assertThat(a.read(s, 1)).as("the file keeps its data").containsExactly('F');
        a.exit();
        k.close();
    }

    @Test
    void theMemfdIsEvictedWhenItsLastFileAndMappingGo() {
        Kernel k = kernel(1);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("huge", MemfdFlags.HUGETLB);
        long p = a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0);
        a.write(p, fill('E', 1));
        GupPages pin = a.pinUserPages(p, 1, Foll.WRITE | Foll.LONGTERM, "dev");
        f.close();
        assertThat(k.hugePages().free()).as("the mapping keeps the inode").isZero();
        a.munmap(p, HPAGE);
        assertThat(k.hugePages().free()).as("evicted, but the pin holds the folio").isZero();
        assertThat(pin.read(0, 1)).containsExactly('E');
        pin.unpin(true);
        assertThat(k.hugePages()).isEqualTo(new HugePages(1, 1, 0));
        OpenFile g = a.memfdCreate("small", 0);
        g.pwrite(fill('S', 8), 0);
        Process b = k.spawn("B");
        OpenFile other = b.open(g.inode(), OpenFlags.RDONLY);
        long used = k.usedFrames();
        g.close();
        a.exit();
        assertThat(k.usedFrames()).as("B still has it open, though A closed it and exited (closing twice counts once)").isEqualTo(used);
        assertThat(other.pread(0, 1)).containsExactly('S');
        other.close();
        assertThat(k.usedFrames()).as("shmem_evict_inode() frees the tmpfs memfd's page").isEqualTo(used - 1);
        k.close();
    }
}
