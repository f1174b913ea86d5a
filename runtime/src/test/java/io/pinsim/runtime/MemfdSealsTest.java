package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.MemfdFutureWrite;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * File sealing (mm/memfd.c memfd_add_seals() / memfd_get_seals() of 4.19, 5.10.y, 6.6.y; the seal
 * checks of mm/shmem.c and fs/hugetlbfs/inode.c): what each seal refuses, the order of
 * F_ADD_SEALS' checks, and F_SEAL_WRITE's EBUSY while a shared mapping exists or a page is pinned
 * (memfd_wait_for_pins(): page_count() - total_mapcount() != 1, a hugetlb folio counted whole).
 */
class MemfdSealsTest {
    static final int HPAGE = 2 << 20;

    static Kernel kernel(KernelModel m) {
        return Fixtures.builder(m).hugetlbPages(2).build();
    }

    static Consumer<Throwable> errno(Errno e) {
        return t -> assertThat(((ErrnoException) t).errno()).isEqualTo(e);
    }

    @Test
    void aMemfdWithoutAllowSealingStartsSealedAndOtherFilesHaveNoSeals() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        OpenFile plain = a.memfdCreate("plain", 0);
        assertThat(plain.getSeals()).isEqualTo(SealFlags.SEAL);
        assertThatThrownBy(() -> plain.addSeals(SealFlags.GROW)).satisfies(errno(Errno.EPERM)).hasMessageContaining("MFD_ALLOW_SEALING");
        OpenFile s = a.memfdCreate("sealable", MemfdFlags.ALLOW_SEALING);
        assertThat(s.getSeals()).isZero();
        s.addSeals(SealFlags.SHRINK);
        s.addSeals(SealFlags.GROW);
        assertThat(s.getSeals()).as("seals only add up").isEqualTo(SealFlags.SHRINK | SealFlags.GROW);
        s.addSeals(SealFlags.SEAL);
        assertThatThrownBy(() -> s.addSeals(SealFlags.WRITE)).satisfies(errno(Errno.EPERM)).hasMessageContaining("F_SEAL_SEAL");
        Inode ext4 = k.mount(FsKind.EXT4).create("f");
        OpenFile e = a.open(ext4, OpenFlags.RDWR);
        assertThatThrownBy(e::getSeals).satisfies(errno(Errno.EINVAL));
        assertThatThrownBy(() -> e.addSeals(SealFlags.GROW)).satisfies(errno(Errno.EINVAL)).hasMessageContaining("no seals");
        OpenFile ro = a.open(ext4, OpenFlags.RDONLY);
        assertThatThrownBy(() -> ro.addSeals(0x40)).as("FMODE_WRITE is checked before the seals").satisfies(errno(Errno.EPERM));
        assertThatThrownBy(() -> s.addSeals(SealFlags.EXEC)).as("sealed F_SEAL_SEAL comes after F_ALL_SEALS").satisfies(errno(Errno.EPERM));
        assertThatThrownBy(() -> s.addSeals(0x40)).satisfies(errno(Errno.EINVAL)).hasMessageContaining("unknown seals");
        k.close();
    }

    @Test
    void shrinkAndGrowSealsRefuseSizeChangesAndWritesPastEof() {
        Kernel k = kernel(KernelModel.LINUX_4_19);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("size", MemfdFlags.ALLOW_SEALING);
        f.ftruncate(2 * PAGE);
        f.addSeals(SealFlags.SHRINK | SealFlags.GROW);
        assertThatThrownBy(() -> f.ftruncate(PAGE)).satisfies(errno(Errno.EPERM)).hasMessageContaining("shmem_setattr");
        assertThatThrownBy(() -> f.ftruncate(3 * PAGE)).satisfies(errno(Errno.EPERM)).hasMessageContaining("grow");
        f.ftruncate(2 * PAGE);
        assertThat(f.pwrite(fill('w', 100), 0)).isEqualTo(100);
        assertThat(f.pwrite(fill('x', 2 * PAGE), PAGE + 100)).as("shmem_write_begin() refuses the chunk crossing i_size: a short write").isEqualTo(PAGE - 100);
        assertThat(f.pwrite(fill('y', 10), 2 * PAGE - 5)).as("the first chunk ends at i_size").isEqualTo(5);
        assertThatThrownBy(() -> f.pwrite(fill('z', 10), 2 * PAGE)).satisfies(errno(Errno.EPERM)).hasMessageContaining("F_SEAL_GROW");
        assertThat(f.inode().size()).isEqualTo(2 * PAGE);
        k.close();
    }

    @Test
    void writeSealRefusesWritesHolePunchesAndEverySharedMappingButAllowsPrivateCow() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("w", MemfdFlags.ALLOW_SEALING);
        f.pwrite(fill('o', PAGE), 0);
        f.addSeals(SealFlags.WRITE);
        assertThatThrownBy(() -> f.pwrite(fill('n', 1), 0)).satisfies(errno(Errno.EPERM)).hasMessageContaining("shmem_write_begin");
        assertThat(f.pwrite(new byte[0], 0)).as("an empty write never reaches write_begin").isZero();
        assertThatThrownBy(() -> f.punchHole(0, PAGE)).satisfies(errno(Errno.EPERM)).hasMessageContaining("shmem_fallocate");
        assertThatThrownBy(() -> a.mmap(0, PAGE, Prot.READ, MapFlags.SHARED, f, 0)).as("VM_SHARED even for PROT_READ: mapping_map_writable()")
                .satisfies(errno(Errno.EPERM)).hasMessageContaining("mapping_map_writable");
        long p = a.mmap(0, PAGE, RW, MapFlags.PRIVATE, f, 0);
        a.write(p, fill('c', 1));
        assertThat(f.pread(0, 1)[0]).isEqualTo((byte) 'o');
        f.ftruncate(2 * PAGE);
        assertThat(a.vmas()).hasSize(1);
        k.close();
    }

    @Test
    void writeSealIsEbusyWhileASharedMappingExistsEvenReadOnly() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("m", MemfdFlags.ALLOW_SEALING);
        f.ftruncate(PAGE);
        long p = a.mmap(0, PAGE, Prot.READ, MapFlags.SHARED, f, 0);
        Process child = a.fork();
        assertThatThrownBy(() -> f.addSeals(SealFlags.WRITE | SealFlags.GROW)).satisfies(errno(Errno.EBUSY)).hasMessageContaining("mapping_deny_writable");
        assertThat(f.getSeals()).as("nothing added").isZero();
        a.munmap(p, PAGE);
        assertThatThrownBy(() -> f.addSeals(SealFlags.WRITE)).as("the child's copy of the mapping counts too").satisfies(errno(Errno.EBUSY));
        child.exit();
        f.addSeals(SealFlags.WRITE);
        assertThat(f.getSeals()).isEqualTo(SealFlags.WRITE);
        k.close();
    }

    /** The pinning angle: a long-term pin taken through a mapping that is gone keeps the page referenced, so memfd_wait_for_pins() gives up with EBUSY. */
    @Test
    void writeSealIsEbusyWhileAPageIsPinnedOnEveryModel() {
        for (KernelModel m : KernelModel.all()) {
            Kernel k = kernel(m);
            Process a = k.spawn("A");
            OpenFile f = a.memfdCreate("mr", MemfdFlags.ALLOW_SEALING);
            f.ftruncate(2 * PAGE);
            long p = a.mmap(0, 2 * PAGE, RW, MapFlags.SHARED, f, 0);
            a.write(p + PAGE, fill('d', 1));
            GupPages mr = a.pinUserPages(p + PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
            a.munmap(p, 2 * PAGE);
            assertThatThrownBy(() -> f.addSeals(SealFlags.WRITE)).as(m.name()).satisfies(errno(Errno.EBUSY)).hasMessageContaining("memfd_wait_for_pins")
                    .hasMessageContaining("page 1");
            assertThat(f.getSeals()).isZero();
            long q = a.mmap(0, PAGE, RW, MapFlags.SHARED, f, 0);
            a.munmap(q, PAGE);
            mr.unpin(true);
            f.addSeals(SealFlags.WRITE);
            assertThat(f.getSeals()).isEqualTo(SealFlags.WRITE);
            k.close();
        }
    }

    @Test
    void aPinOnAnySubpageOfAHugetlbFolioMakesTheWriteSealEbusy() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("huge", MemfdFlags.HUGETLB | MemfdFlags.ALLOW_SEALING);
        f.ftruncate(HPAGE);
        long p = a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0);
        a.write(p + 300 * PAGE, fill('h', 1));
        GupPages pin = a.pinUserPages(p + 300 * PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        a.munmap(p, HPAGE);
        assertThatThrownBy(() -> f.addSeals(SealFlags.WRITE)).satisfies(errno(Errno.EBUSY)).hasMessageContaining("hugetlb folio");
        pin.unpin(true);
        f.addSeals(SealFlags.WRITE | SealFlags.SHRINK);
        assertThatThrownBy(() -> f.ftruncate(0)).satisfies(errno(Errno.EPERM)).hasMessageContaining("hugetlbfs_setattr");
        assertThatThrownBy(() -> f.ftruncate(PAGE)).as("hugetlbfs_setattr() checks the alignment first").satisfies(errno(Errno.EINVAL));
        k.close();
    }

    @Test
    void futureWriteKeepsExistingWritableMappingsButRefusesNewOnesAndMprotect() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("fw", MemfdFlags.ALLOW_SEALING);
        f.ftruncate(PAGE);
        long w = a.mmap(0, PAGE, RW, MapFlags.SHARED, f, 0);
        GupPages pin = a.pinUserPages(w, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        f.addSeals(SealFlags.FUTURE_WRITE);
        a.write(w, fill('e', 1));
        pin.write(1, fill('p', 1));
        assertThat(f.pread(0, 2)).as("the existing mapping and the pin still write").containsExactly('e', 'p');
        assertThatThrownBy(() -> f.pwrite(fill('n', 1), 0)).satisfies(errno(Errno.EPERM));
        assertThatThrownBy(() -> a.mmap(0, PAGE, RW, MapFlags.SHARED, f, 0)).satisfies(errno(Errno.EPERM)).hasMessageContaining("shmem_mmap");
        long r = a.mmap(0, PAGE, Prot.READ, MapFlags.SHARED, f, 0);
        assertThatThrownBy(() -> a.mprotect(r, PAGE, RW)).satisfies(errno(Errno.EACCES)).hasMessageContaining("F_SEAL_FUTURE_WRITE");
        long c = a.mmap(0, PAGE, RW, MapFlags.PRIVATE, f, 0);
        a.write(c, fill('c', 1));
        assertThat(f.pread(0, 1)[0]).as("a private mapping stays COW-writable (05d351102dbe)").isEqualTo((byte) 'e');
        assertThatThrownBy(() -> f.punchHole(0, PAGE)).satisfies(errno(Errno.EPERM));
        pin.unpin(true);
        k.close();
    }

    @Test
    void futureWriteOnHugetlbfsMappingsPerModel() {
        for (KernelModel m : KernelModel.all()) {
            Kernel k = kernel(m);
            Process a = k.spawn("A");
            OpenFile f = a.memfdCreate("hfw", MemfdFlags.HUGETLB | MemfdFlags.ALLOW_SEALING);
            f.ftruncate(HPAGE);
            switch (m.get(MemfdFutureWrite.class)) {
                case UNKNOWN_SEAL -> assertThatThrownBy(() -> f.addSeals(SealFlags.FUTURE_WRITE)).satisfies(errno(Errno.EINVAL));
                case SHMEM_MMAP_CHECK -> {
                    f.addSeals(SealFlags.FUTURE_WRITE);
                    long p = a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0);
                    a.write(p, fill('!', 1));
                    assertThat(f.pread(0, 1)[0]).as(m.name() + ": hugetlbfs_file_mmap() ignores the seal").isEqualTo((byte) '!');
                }
                default -> {
                    f.addSeals(SealFlags.FUTURE_WRITE);
                    assertThatThrownBy(() -> a.mmap(0, HPAGE, RW, MapFlags.SHARED, f, 0)).as(m.name()).satisfies(errno(Errno.EPERM)).hasMessageContaining("hugetlbfs_file_mmap");
                    assertThat(k.hugePages().reserved()).as("refused before hugetlb_reserve_pages()").isZero();
                }
            }
            k.close();
        }
    }

    @Test
    void mfdExecAndNoexecSealFrom63() {
        Kernel old = kernel(KernelModel.LINUX_6_1);
        assertThatThrownBy(() -> old.spawn("A").memfdCreate("x", MemfdFlags.NOEXEC_SEAL)).satisfies(errno(Errno.EINVAL));
        old.close();
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        assertThatThrownBy(() -> a.memfdCreate("x", MemfdFlags.EXEC | MemfdFlags.NOEXEC_SEAL)).satisfies(errno(Errno.EINVAL)).hasMessageContaining("together");
        OpenFile n = a.memfdCreate("n", MemfdFlags.NOEXEC_SEAL);
        assertThat(n.getSeals()).as("sealable, with F_SEAL_EXEC").isEqualTo(SealFlags.EXEC);
        n.addSeals(SealFlags.EXEC);
        assertThat(n.getSeals()).as("a non-executable memfd: F_SEAL_EXEC implies nothing").isEqualTo(SealFlags.EXEC);
        OpenFile e = a.memfdCreate("e", MemfdFlags.EXEC);
        assertThat(e.getSeals()).as("MFD_EXEC without MFD_ALLOW_SEALING").isEqualTo(SealFlags.SEAL);
        k.close();
    }
}
