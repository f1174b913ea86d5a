package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/**
 * fallocate(fd, 0 or FALLOC_FL_KEEP_SIZE, offset, len) as cow.c and gup_longterm.c use it to give
 * a file its pages before mapping it: shmem_fallocate() (mm/shmem.c), hugetlbfs_fallocate()
 * (fs/hugetlbfs/inode.c) and ext4_fallocate() (fs/ext4/extents.c) after vfs_fallocate()'s checks.
 */
class FallocateTest {
    private static final int HPAGE = 2 << 20;

    @Test
    void shmemFallocatePutsZeroedDirtyPagesInThePageCacheAndExtendsISize() {
        Kernel k = builder(KernelModel.LATEST).build();
        Process p = k.spawn("p");
        OpenFile fd = p.memfdCreate("test", 0);
        fd.fallocate(0, 100, PAGE);
        Inode ino = fd.inode();
        assertThat(ino.size()).as("offset + len, not rounded to the page").isEqualTo(100 + PAGE);
        assertThat(ino.cachedPages()).as("pages 0 and 1 cover [100, 4196)").isEqualTo(2);
        assertThat(ino.read(0, PAGE + 100)).containsOnly((byte) 0);
        fd.fallocate(FallocFlags.KEEP_SIZE, 4L * PAGE, PAGE);
        assertThat(ino.size()).as("KEEP_SIZE").isEqualTo(100 + PAGE);
        assertThat(ino.cachedPages()).as("page 4 allocated beyond EOF").isEqualTo(3);
        long mem = p.mmap(0, PAGE, Prot.READ, MapFlags.SHARED, fd, 0);
        assertThat(p.read(mem, 1)[0]).isZero();
        assertThat(p.frameAt(mem).isAnon()).isFalse();
        p.exit();
        k.close();
    }

    @Test
    void shmemFallocateKeepsExistingContent() {
        Kernel k = builder(KernelModel.LATEST).build();
        Process p = k.spawn("p");
        OpenFile fd = p.open(k.mount(FsKind.TMPFS).create("t", Fixtures.fill('T', PAGE)), OpenFlags.RDWR);
        fd.fallocate(0, 0, 2L * PAGE);
        assertThat(fd.inode().read(0, 1)[0]).isEqualTo((byte) 'T');
        assertThat(fd.inode().size()).isEqualTo(2L * PAGE);
        k.close();
    }

    @Test
    void ext4FallocateAllocatesUnwrittenBlocksAndNoPageCache() {
        Kernel k = builder(KernelModel.LATEST).build();
        Process p = k.spawn("p");
        OpenFile fd = p.open(k.mount(FsKind.EXT4).create("e"), OpenFlags.RDWR);
        fd.fallocate(0, 0, 3L * PAGE);
        Inode ino = fd.inode();
        assertThat(ino.size()).isEqualTo(3L * PAGE);
        assertThat(ino.hasBlock(0)).isTrue();
        assertThat(ino.hasBlock(2)).isTrue();
        assertThat(ino.hasBlock(3)).isFalse();
        assertThat(ino.cachedPages()).as("ext4_alloc_file_blocks() does not touch the page cache").isZero();
        assertThat(fd.pread(0, 3 * PAGE)).containsOnly((byte) 0);
        k.close();
    }

    /** hugetlbfs_fallocate(): whole huge pages from the pool; a shared mapping's reservation is consumed, not doubled. */
    @Test
    void hugetlbfsFallocateTakesFoliosFromThePoolAndConsumesTheInodesReservation() {
        Kernel k = builder(KernelModel.LATEST).hugetlbPages(3).build();
        Process p = k.spawn("p");
        OpenFile fd = p.memfdCreate("test", MemfdFlags.HUGETLB);
        fd.fallocate(0, 0, PAGE);
        assertThat(fd.inode().size()).as("i_size is offset + len").isEqualTo(PAGE);
        assertThat(k.hugePages()).as("the range is rounded out to one huge page").isEqualTo(new HugePages(3, 2, 0));
        fd.ftruncate(2L * HPAGE);
        long mem = p.mmap(0, 2L * HPAGE, RW, MapFlags.SHARED, fd, 0);
        assertThat(k.hugePages()).as("the mmap reserves only the page not in the page cache").isEqualTo(new HugePages(3, 2, 1));
        fd.fallocate(FallocFlags.KEEP_SIZE, HPAGE, HPAGE);
        assertThat(k.hugePages()).as("fallocate consumed that reservation").isEqualTo(new HugePages(3, 1, 0));
        assertThat(p.read(mem + HPAGE, 1)[0]).isZero();
        assertThat(p.frameAt(mem + HPAGE).compoundHead().nrPages()).isEqualTo(512);
        k.checkInvariants();
        p.exit();
        assertThat(k.hugePages()).isEqualTo(new HugePages(3, 3, 0));
        k.close();
    }

    @Test
    void hugetlbfsFallocateFailsWithEnospcAndKeepsTheFoliosItAdded() {
        Kernel k = builder(KernelModel.LATEST).hugetlbPages(1).build();
        Process p = k.spawn("p");
        OpenFile fd = p.memfdCreate("test", MemfdFlags.HUGETLB);
        assertThatThrownBy(() -> fd.fallocate(0, 0, 2L * HPAGE)).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
            assertThat(e.reason()).contains("stay in the file");
        });
        assertThat(k.hugePages()).as("hugetlbfs_fallocate() has no undo").isEqualTo(new HugePages(1, 0, 0));
        assertThat(fd.inode().size()).as("i_size is set only at the end").isZero();
        fd.close();
        p.exit();
        assertThat(k.hugePages()).as("evicting the memfd frees the folio").isEqualTo(new HugePages(1, 1, 0));
        k.close();
    }

    @Test
    void tmpfsRefusesTheOtherModesAndPunchHoleNeedsKeepSize() {
        Kernel k = builder(KernelModel.LATEST).build();
        Process p = k.spawn("p");
        OpenFile fd = p.memfdCreate("test", 0);
        assertThatThrownBy(() -> fd.fallocate(FallocFlags.ZERO_RANGE, 0, PAGE))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
        assertThatThrownBy(() -> fd.fallocate(FallocFlags.PUNCH_HOLE, 0, PAGE))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
        assertThat(fd.inode().cachedPages()).isZero();
        fd.fallocate(0, 0, 2L * PAGE);
        fd.fallocate(FallocFlags.PUNCH_HOLE | FallocFlags.KEEP_SIZE, 0, PAGE);
        assertThat(fd.inode().cachedPages()).as("the hole punch went through punchHole()").isEqualTo(1);
        assertThat(FallocFlags.describe(FallocFlags.PUNCH_HOLE | FallocFlags.KEEP_SIZE)).isEqualTo("FALLOC_FL_KEEP_SIZE|FALLOC_FL_PUNCH_HOLE");
        assertThat(FallocFlags.describe(0)).isEqualTo("0");
        assertThat(FallocFlags.describe(0x180)).isEqualTo("0x180");
        k.close();
    }
}
