package io.pinsim.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link GupPages#merge}: several GUP calls' pins as one set, as ib_umem_get() keeps its chunks. */
class MergedGupPagesTest {
    static final int PAGE = Kernel.PAGE_SIZE;

    @Test
    void pageIOfTheSetIsPageIOfThePartThatHoldsItAndUnpinReleasesEveryPart() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).build();
        Process a = k.spawn("A");
        long buf = a.mmap(3L * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.fill(buf, 3L * PAGE, (byte) 'A');
        GupPages one = a.pinUserPagesFast(buf, 2, Foll.WRITE | Foll.LONGTERM, "MR#1");
        GupPages two = a.pinUserPagesFast(buf + 2L * PAGE, 1, Foll.WRITE | Foll.LONGTERM, "MR#1");
        GupPages set = GupPages.merge(List.of(one, two));
        assertThat(set.count()).isEqualTo(3);
        assertThat(set.requested()).isEqualTo(3);
        assertThat(set.start()).isEqualTo(buf);
        assertThat(set.frame(2)).isSameAs(two.frame(0));
        assertThat(set.address(1)).isEqualTo(buf + PAGE);
        assertThat(set.isCoherent(2)).isTrue();
        byte[] data = new byte[PAGE];
        Arrays.fill(data, (byte) 'D');
        set.write(PAGE + PAGE / 2, data); // spans the parts
        assertThat(a.read(buf + 2L * PAGE, 1)[0]).isEqualTo((byte) 'D');
        assertThat(set.read(2L * PAGE - 1, 2)).containsExactly('D', 'D');
        assertThatThrownBy(() -> set.frame(3)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("valid indexes are 0 to 2");
        set.unpin(true);
        assertThat(one.isReleased()).isTrue();
        assertThat(two.isReleased()).isTrue();
        assertThat(set.isReleased()).isTrue();
        assertThat(a.frameAt(buf).pincount()).isZero();
        assertThatThrownBy(() -> set.unpin(false)).isInstanceOf(KernelBugException.class);
        k.checkNoLeaks();
    }

    @Test
    void aPartReleasedOnItsOwnFailsTheSetsUnpinBeforeTheOtherPartsChange() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).build();
        Process a = k.spawn("A");
        long buf = a.mmap(2L * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.fill(buf, 2L * PAGE, (byte) 'A');
        GupPages one = a.pinUserPages(buf, 1, Foll.WRITE, "MR#1");
        GupPages two = a.pinUserPages(buf + PAGE, 1, Foll.WRITE, "MR#1");
        GupPages set = GupPages.merge(List.of(one, two));
        two.unpin(false);
        assertThatThrownBy(() -> set.unpin(false)).isInstanceOf(KernelBugException.class);
        assertThat(one.isReleased()).isFalse();
        one.unpin(false);
    }
}
