package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.ANON_SHARED;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link Process#peek}: the debugger's read (access_process_vm() with FOLL_FORCE) without its
 * fault. Each case checks the bytes against what the process's own read sees afterwards, and that
 * the peek changed nothing: the whole kernel state ({@link Snapshot}) and the trace.
 */
class PeekTest {

    /** Peeks, checking that nothing observable changed; returns the bytes. */
    private static byte[] peekChangingNothing(Kernel k, Supplier<byte[]> peek) {
        String before = Snapshot.of(k);
        int events = k.trace().events().size();
        int step = k.trace().step();
        byte[] bytes = peek.get();
        assertThat(Snapshot.of(k)).as("the kernel's state after the peek").isEqualTo(before);
        assertThat(k.trace().events()).as("trace events").hasSize(events);
        assertThat(k.trace().step()).isEqualTo(step);
        return bytes;
    }

    @Test
    void aPresentPageReadsFromItsFrameAndAnUntouchedAnonymousPageAsZeros() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = a.mmap(2L * PAGE, RW, ANON_PRIVATE);
        a.write(buf + PAGE - 2, fill('A', 4));
        // across the page boundary: the second page is present, the first too; then an untouched range
        assertThat(peekChangingNothing(k, () -> a.peek(buf + PAGE - 2, 4))).isEqualTo(fill('A', 4));
        Process b = k.spawn("B");
        long untouched = b.mmap(PAGE, RW, ANON_PRIVATE);
        assertThat(peekChangingNothing(k, () -> b.peek(untouched, 16))).isEqualTo(new byte[16]);
        assertThat(b.pteAt(untouched)).as("no zero page was mapped").isEqualTo("none");
        assertThat(b.read(untouched, 16)).isEqualTo(new byte[16]);
    }

    @Test
    void aSwappedOutPageReadsFromItsSwapSlotWithoutASwapIn() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        a.write(buf, fill('S', PAGE));
        assertThat(k.reclaim(a, buf)).isTrue();
        assertThat(a.pteAt(buf)).startsWith("swap entry slot ");
        assertThat(peekChangingNothing(k, () -> a.peek(buf, PAGE))).isEqualTo(fill('S', PAGE));
        assertThat(a.pteAt(buf)).as("still swapped out").startsWith("swap entry slot ");
        // a child that swaps it in by reading leaves it in the swap cache; the parent's swap PTE reads it there
        Process child = a.fork();
        assertThat(child.read(buf, 1)).containsOnly((byte) 'S');
        assertThat(a.pteAt(buf)).startsWith("swap entry slot ");
        assertThat(peekChangingNothing(k, () -> a.peek(buf, 8))).isEqualTo(fill('S', 8));
        assertThat(a.read(buf, PAGE)).isEqualTo(fill('S', PAGE));
    }

    @Test
    void anUnfaultedFilePageReadsFromThePageCacheOrTheFileWithoutReadingItIn() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, MapFlags.PRIVATE, f, 0);
        f.pwrite(fill('W', 4), 0);
        long cachedBefore = ino.cachedPages();
        assertThat(peekChangingNothing(k, () -> a.peek(map, 4))).as("the page cache").isEqualTo(fill('W', 4));
        assertThat(ino.cachedPage(1)).as("the second page is only on disk").isNull();
        assertThat(peekChangingNothing(k, () -> a.peek(map + PAGE, 4))).as("the file's block").isEqualTo(fill('F', 4));
        assertThat(ino.cachedPages()).as("nothing read into the page cache").isEqualTo(cachedBefore);
        assertThat(a.pteAt(map)).isEqualTo("none");
        assertThat(a.read(map + PAGE, 4)).isEqualTo(fill('F', 4));
        // a hole within i_size reads as zeros
        f.ftruncate(3L * PAGE);
        long whole = a.mmap(0, 3L * PAGE, Prot.READ, MapFlags.SHARED, f, 0);
        assertThat(peekChangingNothing(k, () -> a.peek(whole + 2L * PAGE, 8))).isEqualTo(new byte[8]);
    }

    @Test
    void aSharedAnonymousPageTheChildNeverTouchedReadsFromTheShmemObject() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long shm = a.mmap(2L * PAGE, RW, ANON_SHARED);
        a.write(shm, fill('H', 4));
        Process child = a.fork();
        assertThat(child.pteAt(shm)).as("fork copies no PTE of a shared mapping").isEqualTo("none");
        assertThat(peekChangingNothing(k, () -> child.peek(shm, 4))).isEqualTo(fill('H', 4));
        assertThat(peekChangingNothing(k, () -> child.peek(shm + PAGE, 4))).as("a shmem page nobody created").isEqualTo(new byte[4]);
    }

    @Test
    void likeFollForceItReadsAProtNoneMappingTheProcessCannotRead() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        a.write(buf, fill('N', 2));
        a.mprotect(buf, PAGE, Prot.NONE);
        assertThat(peekChangingNothing(k, () -> a.peek(buf, 2))).isEqualTo(fill('N', 2));
    }

    @Test
    void badInputIsEioOrAnIllegalArgumentAndChangesNothing() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        a.write(buf, fill('A', 1));
        Inode ino = k.mount(FsKind.EXT4).create("short", fill('F', 10));
        long map = a.mmap(0, 2L * PAGE, Prot.READ, MapFlags.SHARED, a.open(ino, OpenFlags.RDONLY), 0);
        long fixed = a.mmap(0x20000L, PAGE, RW, ANON_PRIVATE | MapFlags.FIXED);
        a.write(fixed, fill('X', PAGE));
        String before = Snapshot.of(k);
        int events = k.trace().events().size();
        assertThatThrownBy(() -> a.peek(fixed + PAGE - 1, 2)).as("the range runs off its VMA")
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO))
                .hasMessageContaining("nothing is mapped at " + Kernel.hex(fixed + PAGE));
        assertThatThrownBy(() -> a.peek(map + PAGE, 1)).as("past the file's end (a fault would be SIGBUS)")
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO)).hasMessageContaining("the file ends before");
        assertThatThrownBy(() -> a.peek(-PAGE, 1)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO))
                .hasMessageContaining("outside the user address space");
        assertThatThrownBy(() -> a.peek(buf, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        assertThat(a.peek(0x10000L, 0)).as("nothing to read, nothing checked").isEmpty();
        assertThat(Snapshot.of(k)).isEqualTo(before);
        assertThat(k.trace().events()).hasSize(events);
        a.exit();
        assertThatThrownBy(() -> a.peek(buf, 1)).isInstanceOf(IllegalStateException.class);
    }
}
