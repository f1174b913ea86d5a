package io.pinsim.runtime.internal.locking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The lock objects of the stepped paths: write_protect_seq (a seqcount) and PG_locked (a sleeping bit lock with an owner). */
class SeqCountAndPageLocksTest {
    /** raw_seqcount_try_begin() fails while a writer is inside; read_seqcount_retry() sees any write section since the sample. */
    @Test
    void aSeqCountIsOddInsideTheWriteSectionAndARetrySeesIt() {
        SeqCount s = new SeqCount("mm:1:write_protect_seq");
        int start = s.tryBegin();
        assertThat(start).isZero();
        Object fork = "fork";
        s.writeBegin(fork);
        assertThat(s.tryBegin()).isEqualTo(-1);
        assertThat(s.writer()).isSameAs(fork);
        assertThat(s.retry(start)).isTrue();
        assertThatThrownBy(() -> s.writeBegin("other")).isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a writer");
        assertThatThrownBy(() -> s.writeEnd("other")).isInstanceOf(IllegalStateException.class).hasMessageContaining("that fork began");
        s.writeEnd(fork);
        assertThat(s.read()).isEqualTo(2);
        assertThat(s.tryBegin()).isEqualTo(2);
        assertThat(s.retry(start)).isTrue();
        assertThat(s.retry(2)).isFalse();
        assertThat(s.writer()).isNull();
    }

    /** lock_page() by another owner would sleep; trylock_page() fails instead; unlock by a non-owner is refused. */
    @Test
    void aPageLockHasOneOwner() {
        PageLocks locks = new PageLocks();
        assertThat(locks.canLock(7, "wb")).isTrue();
        locks.lock(7, "wb");
        assertThat(locks.owner(7)).isEqualTo("wb");
        assertThat(locks.canLock(7, "reclaim")).isFalse();
        assertThat(locks.tryLock(7, "reclaim")).isFalse();
        assertThat(locks.tryLock(8, "reclaim")).isTrue();
        assertThatThrownBy(() -> locks.lock(7, "truncate")).isInstanceOf(IllegalStateException.class).hasMessageContaining("would sleep in lock_page() of frame #7, which wb holds");
        assertThatThrownBy(() -> locks.lock(7, "wb")).isInstanceOf(IllegalStateException.class).hasMessageContaining("deadlocks");
        assertThatThrownBy(() -> locks.unlock(7, "reclaim")).isInstanceOf(IllegalStateException.class).hasMessageContaining("wb holds it");
        locks.unlock(7, "wb");
        locks.unlock(8, "reclaim");
        assertThat(locks.isEmpty()).isTrue();
        assertThat(PageLocks.id(7)).isEqualTo("frame:7:PG_locked");
    }
}
