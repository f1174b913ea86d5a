package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every operation that changes PTEs calls the notifier hook with the event of reference §9.4, as a start/end pair. */
class NotifierHookTest {

    /** Records "start EVENT 0x..-0x.." and "end ..." lines. */
    static final class Recorder implements MmuNotifierListener {
        final List<String> calls = new ArrayList<>();

        @Override
        public boolean invalidateRangeStart(Process process, MmuNotifierEvent event, long start, long end, boolean blockable) {
            calls.add("start " + event + " " + Long.toHexString(start) + "-" + Long.toHexString(end));
            return true;
        }

        @Override
        public void invalidateRangeEnd(Process process, MmuNotifierEvent event, long start, long end) {
            calls.add("end " + event + " " + Long.toHexString(start) + "-" + Long.toHexString(end));
        }

        @Override
        public void release(Process process) {
            calls.add("release " + process.name());
        }
    }

    @Test
    void eachOperationRaisesItsEvent() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        Recorder r = new Recorder();
        a.registerMmuNotifier(r);
        String vma = Long.toHexString(buf) + "-" + Long.toHexString(buf + 2L * PAGE);
        String page0 = Long.toHexString(buf) + "-" + Long.toHexString(buf + PAGE);

        Process child = a.fork();
        assertThat(r.calls).containsExactly("start PROTECTION_PAGE " + vma, "end PROTECTION_PAGE " + vma);
        r.calls.clear();

        a.write(buf, fill('P', 1));
        assertThat(r.calls).as("the COW copy in wp_page_copy").containsExactly("start CLEAR " + page0, "end CLEAR " + page0);
        r.calls.clear();

        a.mprotect(buf, 2L * PAGE, Prot.READ);
        assertThat(r.calls).containsExactly("start PROTECTION_VMA " + vma, "end PROTECTION_VMA " + vma);
        r.calls.clear();

        a.madvise(buf, PAGE, Advice.DONTNEED);
        assertThat(r.calls).containsExactly("start CLEAR " + page0, "end CLEAR " + page0);
        r.calls.clear();

        a.clearSoftDirty();
        assertThat(r.calls).hasSize(2).allMatch(c -> c.contains("SOFT_DIRTY"));
        r.calls.clear();

        child.exit();
        assertThat(r.calls).as("the child's exit does not notify the parent's mm").isEmpty();

        k.reclaim(a, buf + PAGE);
        assertThat(r.calls).allMatch(c -> c.contains("CLEAR"));
        r.calls.clear();

        a.munmap(buf + PAGE, PAGE);
        assertThat(r.calls).containsExactly("start UNMAP " + Long.toHexString(buf + PAGE) + "-" + Long.toHexString(buf + 2L * PAGE),
                "end UNMAP " + Long.toHexString(buf + PAGE) + "-" + Long.toHexString(buf + 2L * PAGE));
        r.calls.clear();

        long other = a.mmap(PAGE, RW, ANON_PRIVATE);
        a.write(other, fill('x', 1));
        a.exit();
        assertThat(r.calls).as("mmu_notifier_release(): ->release, then the subscription is gone before unmap_vmas()").containsExactly("release A");
        assertThatThrownBy(() -> a.unregisterMmuNotifier(r)).isInstanceOf(IllegalArgumentException.class);
    }
}
