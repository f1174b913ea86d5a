package io.pinsim.runtime;

import io.pinsim.runtime.spi.DriverContext;
import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.ANON_SHARED;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input: the kernel's errno where the kernel has one, a clear Java exception otherwise, and
 * nothing changed by a failed call (shown by comparing a snapshot of every mapping, PTE and frame).
 */
class BadInputTest {
    private Kernel k;
    private Process a;
    private long buf;

    @BeforeEach
    void setUp() {
        k = kernel(KernelModel.LATEST);
        a = k.spawn("A");
        buf = buffer(a, 2, 'A');
        a.pinUserPages(buf, 1, Foll.WRITE, "rdma0");
    }

    private void assertErrnoAndUnchanged(Errno errno, String reasonPart, ThrowingCallable call) {
        String before = Snapshot.of(k);
        assertThatThrownBy(call).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.reason()).contains(reasonPart);
        });
        assertThat(Snapshot.of(k)).isEqualTo(before);
    }

    @Test
    void mmapRefusesWhatTheKernelRefuses() {
        assertErrnoAndUnchanged(Errno.EINVAL, "length is 0", () -> a.mmap(0, RW, ANON_PRIVATE));
        assertErrnoAndUnchanged(Errno.EINVAL, "MAP_SHARED and MAP_PRIVATE", () -> a.mmap(PAGE, RW, MapFlags.ANONYMOUS));
        assertErrnoAndUnchanged(Errno.EINVAL, "MAP_SHARED and MAP_PRIVATE", () -> a.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.SHARED));
        assertErrnoAndUnchanged(Errno.EINVAL, "not page aligned", () -> a.mmap(buf + 1, PAGE, RW, ANON_PRIVATE | MapFlags.FIXED));
        assertErrnoAndUnchanged(Errno.EPERM, "mmap_min_addr", () -> a.mmap(0x1000, PAGE, RW, ANON_PRIVATE | MapFlags.FIXED));
        assertErrnoAndUnchanged(Errno.EBADF, "no MAP_ANONYMOUS and no file", () -> a.mmap(PAGE, RW, MapFlags.PRIVATE));
        assertErrnoAndUnchanged(Errno.ENOMEM, "does not fit", () -> a.mmap(Long.MAX_VALUE, RW, ANON_PRIVATE));
        assertErrnoAndUnchanged(Errno.ENOMEM, "outside the user address space", () -> a.mmap(Kernel.TASK_SIZE - PAGE, 2L * PAGE, RW, ANON_PRIVATE | MapFlags.FIXED));
        assertErrnoAndUnchanged(Errno.EBADF, "no MAP_ANONYMOUS", () -> a.mmap(0, RW, MapFlags.PRIVATE));
    }

    @Test
    void mmapIgnoresUnknownFlagsAndProtBitsLikeTheKernelButSaysSoInTheTrace() {
        long m = a.mmap(PAGE, RW | 0x40, ANON_PRIVATE | 0x100000);
        assertThat(a.vmaAt(m).prot()).isEqualTo(RW);
        assertThat(k.trace().events(e -> e.message().contains("mmap ignores unknown"))).hasSize(1);
    }

    @Test
    void munmapAndMprotectRefuseUnalignedAndEmptyRanges() {
        assertErrnoAndUnchanged(Errno.EINVAL, "not page aligned", () -> a.munmap(buf + 12, PAGE));
        assertErrnoAndUnchanged(Errno.EINVAL, "length is 0", () -> a.munmap(buf, 0));
        assertErrnoAndUnchanged(Errno.EINVAL, "not page aligned", () -> a.mprotect(buf + 12, PAGE, Prot.READ));
        assertErrnoAndUnchanged(Errno.ENOMEM, "no mapping", () -> a.mprotect(0x1000, PAGE, Prot.READ));
        String before = Snapshot.of(k);
        a.mprotect(buf, 0, Prot.NONE);
        a.munmap(0x10000, PAGE);
        assertThat(Snapshot.of(k)).as("mprotect of 0 bytes and munmap of nothing succeed and change nothing").isEqualTo(before);
    }

    @Test
    void madviseRefusesUnknownAdviceAndBadAddresses() {
        Kernel old = kernel(KernelModel.LINUX_4_19);
        Process b = old.spawn("B");
        long bb = buffer(b, 1, 'B');
        String before = Snapshot.of(old);
        assertThatThrownBy(() -> b.madvise(bb, PAGE, Advice.POPULATE_WRITE)).isInstanceOf(ErrnoException.class).hasMessageContaining("EINVAL");
        assertThat(Snapshot.of(old)).isEqualTo(before);

        assertErrnoAndUnchanged(Errno.EINVAL, "not page aligned", () -> a.madvise(buf + 1, PAGE, Advice.DONTNEED));
        assertErrnoAndUnchanged(Errno.ENOMEM, "no mapping", () -> a.madvise(0x1000, PAGE, Advice.DONTNEED));
        long shared = a.mmap(PAGE, RW, ANON_SHARED);
        assertErrnoAndUnchanged(Errno.EINVAL, "private anonymous", () -> a.madvise(shared, PAGE, Advice.WIPEONFORK));
        long ro = a.mmap(PAGE, Prot.READ, ANON_PRIVATE);
        assertErrnoAndUnchanged(Errno.EINVAL, "without VM_WRITE", () -> a.madvise(ro, PAGE, Advice.POPULATE_WRITE));
        long none = a.mmap(PAGE, Prot.NONE, ANON_PRIVATE);
        assertErrnoAndUnchanged(Errno.EINVAL, "without VM_READ", () -> a.madvise(none, PAGE, Advice.POPULATE_READ));
        long writeOnly = a.mmap(PAGE, Prot.WRITE, ANON_PRIVATE);
        assertErrnoAndUnchanged(Errno.EINVAL, "without VM_READ", () -> a.madvise(writeOnly, PAGE, Advice.POPULATE_READ));
        assertErrnoAndUnchanged(Errno.ENOMEM, "no mapping", () -> a.madvise(Kernel.TASK_SIZE - PAGE, 4L * PAGE, Advice.DONTNEED));
        assertErrnoAndUnchanged(Errno.EINVAL, "wraps", () -> a.madvise(buf, -1, Advice.DONTNEED));
        assertErrnoAndUnchanged(Errno.EINVAL, "wraps", () -> a.madvise(-PAGE, PAGE, Advice.DONTNEED));
        String beforeZero = Snapshot.of(k);
        a.madvise(buf, 0, Advice.DONTNEED);
        assertThat(Snapshot.of(k)).isEqualTo(beforeZero);
    }

    @Test
    void madviseOverAHoleAppliesToTheMappedPartsThenFailsWithEnomem() {
        long two = a.mmap(3L * PAGE, RW, ANON_PRIVATE);
        a.munmap(two + PAGE, PAGE);
        assertThatThrownBy(() -> a.madvise(two, 3L * PAGE, Advice.DONTFORK))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEM));
        assertThat(a.vmaAt(two).isDontCopy()).isTrue();
        assertThat(a.vmaAt(two + 2L * PAGE).isDontCopy()).isTrue();
    }

    @Test
    void mprotectOverAHoleChangesTheVmasBeforeItThenFailsWithEnomem() {
        long three = a.mmap(3L * PAGE, RW, ANON_PRIVATE);
        a.munmap(three + PAGE, PAGE);
        assertThatThrownBy(() -> a.mprotect(three, 3L * PAGE, Prot.READ))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEM));
        assertThat(a.vmaAt(three).prot()).isEqualTo(Prot.READ);
        assertThat(a.vmaAt(three + 2L * PAGE).prot()).isEqualTo(RW);
    }

    @Test
    void gupRefusesInternalFlagsNegativeCountsAndUnmappedMemory() {
        assertErrnoAndUnchanged(Errno.EINVAL, "FOLL_GET passed to pin_user_pages()", () -> a.pinUserPages(buf, 1, Foll.GET, "x"));
        assertErrnoAndUnchanged(Errno.EINVAL, "FOLL_PIN passed to get_user_pages()", () -> a.getUserPages(buf, 1, Foll.PIN | Foll.WRITE, "x"));
        assertErrnoAndUnchanged(Errno.EINVAL, "must use pin_user_pages()", () -> a.getUserPages(buf, 1, Foll.LONGTERM, "x"));
        assertThat(a.getUserPages(buf, 1, Foll.GET, "x").count()).as("get_user_pages() accepts FOLL_GET").isEqualTo(1);
        assertThat(a.pinUserPages(0x1000, 0, 0, "x").count()).as("zero pages of any address is 0").isZero();
        assertErrnoAndUnchanged(Errno.EINVAL, "unknown GUP flags", () -> a.pinUserPages(buf, 1, 0x2, "x"));
        assertErrnoAndUnchanged(Errno.EINVAL, "negative", () -> a.pinUserPagesFast(buf, -1, 0, "x"));
        assertErrnoAndUnchanged(Errno.EFAULT, "no VMA", () -> a.pinUserPages(0x1000, 1, Foll.WRITE, "x"));
        assertErrnoAndUnchanged(Errno.EFAULT, "no VMA", () -> a.pinUserPagesFast(0x1000, 1, Foll.WRITE, "x"));
        assertErrnoAndUnchanged(Errno.EFAULT, "outside the user address space", () -> a.pinUserPages(Kernel.TASK_SIZE, 1, 0, "x"));
        long ro = a.mmap(PAGE, Prot.READ, ANON_PRIVATE);
        String before = Snapshot.of(k);
        assertThatThrownBy(() -> a.pinUserPages(ro, 1, Foll.WRITE | Foll.LONGTERM, "x"))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.reason()).contains("not writable"));
        assertThat(Snapshot.of(k)).isEqualTo(before);
        long none = a.mmap(PAGE, Prot.NONE, ANON_PRIVATE);
        assertErrnoAndUnchanged(Errno.EFAULT, "not readable", () -> a.getUserPages(none, 1, 0, "x"));
        assertThatThrownBy(() -> a.pinUserPages(buf, 1, 0, " ")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holder");
    }

    @Test
    void gupReturnsShortWhenItFailsAfterTheFirstPage() {
        GupPages p = a.pinUserPages(buf + PAGE, 3, Foll.WRITE, "x");
        assertThat(p.count()).isEqualTo(1);
        assertThat(p.requested()).isEqualTo(3);
        assertThat(k.trace().events(e -> e.message().contains("GUP stops after 1 of 3 pages"))).hasSize(1);
        assertThat(a.pinUserPages(buf, 0, 0, "x").count()).isZero();
    }

    @Test
    void follForceWritesIntoAReadOnlyPrivateMappingThroughACopy() {
        long ro = a.mmap(PAGE, Prot.READ, ANON_PRIVATE | MapFlags.POPULATE);
        GupPages p = a.getUserPages(ro, 1, Foll.WRITE | Foll.FORCE, "ptrace");
        p.write(0, fill('F', 4));
        assertThat(a.read(ro, 4)).containsOnly((byte) 'F');
        assertThat(a.isMappedWritable(ro)).as("the PTE stays read-only (maybe_mkwrite without VM_WRITE)").isFalse();
        assertThat(p.frame(0).isZeroPage()).isFalse();
        long sharedRo = a.mmap(PAGE, Prot.READ, ANON_SHARED);
        assertErrnoAndUnchanged(Errno.EFAULT, "shared mapping", () -> a.getUserPages(sharedRo, 1, Foll.WRITE | Foll.FORCE, "ptrace"));
    }

    @Test
    void badAccessesKillWithSigsegvAndADeadProcessRefusesToBeUsed() {
        long ro = a.mmap(PAGE, Prot.READ, ANON_PRIVATE);
        Process child = a.fork();
        assertThatThrownBy(() -> child.write(ro, fill('x', 1)))
                .isInstanceOfSatisfying(SignalException.class, e -> {
                    assertThat(e.signal()).isEqualTo(Signal.SIGSEGV);
                    assertThat(e.address()).isEqualTo(ro);
                    assertThat(e.getMessage()).contains("SEGV_ACCERR");
                });
        assertThat(child.isAlive()).isFalse();
        assertThatThrownBy(() -> child.read(buf, 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("been killed by SIGSEGV");
        Process other = a.fork();
        assertThatThrownBy(() -> other.read(0x1000, 1)).isInstanceOfSatisfying(SignalException.class,
                e -> assertThat(e.getMessage()).contains("SEGV_MAPERR"));
        Process third = a.fork();
        long none = third.mmap(PAGE, Prot.NONE, ANON_PRIVATE);
        assertThatThrownBy(() -> third.read(none, 1)).isInstanceOf(SignalException.class);
        assertThat(k.log().contains("SIGSEGV")).isTrue();
        a.exit();
        assertThatThrownBy(a::fork).isInstanceOf(IllegalStateException.class).hasMessageContaining("exited");
        assertThatThrownBy(() -> a.spawnThread("T")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unpinningTwiceIsARefcountUnderflow() {
        GupPages p = a.pinUserPages(buf + PAGE, 1, Foll.WRITE, "x");
        p.unpin(true);
        assertThatThrownBy(() -> p.unpin(true)).isInstanceOfSatisfying(KernelBugException.class,
                e -> assertThat(e.invariant()).isEqualTo("refcount-underflow"));
        assertThatThrownBy(p::release).isInstanceOf(IllegalStateException.class).hasMessageContaining("unpin");
        assertThatThrownBy(() -> p.write(0, fill('x', 1))).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
        GupPages ro = a.pinUserPages(buf, 1, 0, "reader");
        assertThatThrownBy(() -> ro.write(0, fill('x', 1))).isInstanceOf(IllegalStateException.class).hasMessageContaining("Foll.WRITE");
    }

    @Test
    void memlockAccountingRefusesPastTheLimitWithoutChangingIt() {
        DriverContext nic = DriverContext.attach(k, "nic0");
        a.setRlimitMemlock(4L * PAGE);
        nic.accountPinnedVm(a, 3);
        assertErrnoAndUnchanged(Errno.ENOMEM, "RLIMIT_MEMLOCK", () -> nic.accountPinnedVm(a, 2));
        assertErrnoAndUnchanged(Errno.ENOMEM, "RLIMIT_MEMLOCK", () -> nic.accountLockedVm(a, 5));
        a.setCapIpcLock(true);
        nic.accountPinnedVm(a, 2);
        assertThat(a.pinnedVm()).isEqualTo(5);
        nic.unaccountPinnedVm(a, 5);
        assertThatThrownBy(() -> nic.unaccountPinnedVm(a, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> a.setRlimitMemlock(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void kernelBuilderAndLookupsNameTheFix() {
        assertThatThrownBy(() -> Kernel.builder().memoryFrames(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> k.process("nobody")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[A");
        assertThatThrownBy(() -> a.thread("T9")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spawnThread(\"T9\")");
        Kernel other = kernel(KernelModel.LATEST);
        Pipe foreign = other.spawn("X").pipe();
        assertThatThrownBy(() -> a.vmsplice(foreign, buf, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another kernel");
    }
}
