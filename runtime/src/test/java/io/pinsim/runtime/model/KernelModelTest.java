package io.pinsim.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The predefined models carry the switch values of kernel-semantics.md §10 (one row per switch), and variants behave as values. */
class KernelModelTest {

    /** One row of kernel-semantics.md §10: a switch and its value on each predefined model, in KernelModel.all() order. */
    private record Row(Class<?> type, List<Switch> values) {
        static Row of(Switch... values) {
            return new Row(((Enum<?>) values[0]).getDeclaringClass(), List.of(values));
        }
    }

    /** kernel-semantics.md §10: every switch's value on LINUX_4_19, LINUX_5_8, LINUX_5_10, LINUX_6_1, LINUX_6_6. */
    private static final List<Row> REFERENCE_TABLE = List.of(
            Row.of(PinAccounting.PLAIN_REFERENCE, PinAccounting.PIN_COUNTING_BIAS, PinAccounting.PIN_COUNTING_BIAS, PinAccounting.PIN_COUNTING_BIAS,
                    PinAccounting.PIN_COUNTING_BIAS),
            Row.of(CowReuse.MAPCOUNT_PLUS_SWAPCOUNT, CowReuse.MAPCOUNT_PLUS_SWAPCOUNT, CowReuse.REFCOUNT_EQ_1, CowReuse.ANON_EXCLUSIVE, CowReuse.ANON_EXCLUSIVE),
            Row.of(SwapinWriteReuse.MAPCOUNT_PLUS_SWAPCOUNT, SwapinWriteReuse.MAPCOUNT_PLUS_SWAPCOUNT, SwapinWriteReuse.MAPCOUNT_PLUS_SWAPCOUNT,
                    SwapinWriteReuse.ANON_EXCLUSIVE, SwapinWriteReuse.ANON_EXCLUSIVE),
            Row.of(GupReadOnShared.RETURN_SHARED, GupReadOnShared.FORCE_COW_BREAK, GupReadOnShared.RETURN_SHARED, GupReadOnShared.UNSHARE_IF_PIN,
                    GupReadOnShared.UNSHARE_IF_PIN),
            Row.of(RoLongtermPinNonAnon.PIN_IN_PLACE, RoLongtermPinNonAnon.PIN_IN_PLACE, RoLongtermPinNonAnon.PIN_IN_PLACE, RoLongtermPinNonAnon.PIN_IN_PLACE,
                    RoLongtermPinNonAnon.UNSHARE),
            Row.of(ForkPinned.SHARE_WRPROTECT, ForkPinned.SHARE_WRPROTECT, ForkPinned.EARLY_COPY_ANY_PAGE, ForkPinned.EARLY_COPY_ANON_EXCLUSIVE,
                    ForkPinned.EARLY_COPY_ANON_EXCLUSIVE),
            Row.of(GupFastVsFork.UNSERIALIZED, GupFastVsFork.UNSERIALIZED, GupFastVsFork.WRITE_PROTECT_SEQ, GupFastVsFork.WRITE_PROTECT_SEQ,
                    GupFastVsFork.WRITE_PROTECT_SEQ),
            Row.of(ZeroPagePinning.REFCOUNTED, ZeroPagePinning.REFCOUNTED, ZeroPagePinning.REFCOUNTED, ZeroPagePinning.REFCOUNTED, ZeroPagePinning.NOT_REFCOUNTED),
            Row.of(PinnedAnonReclaim.SWAP_OUT, PinnedAnonReclaim.SWAP_OUT, PinnedAnonReclaim.SKIP_PINNED, PinnedAnonReclaim.SKIP_PINNED,
                    PinnedAnonReclaim.SKIP_PINNED),
            Row.of(MprotectWrite.FAULT_ON_WRITE, MprotectWrite.FAULT_ON_WRITE, MprotectWrite.FAULT_ON_WRITE, MprotectWrite.DIRTY_EXCLUSIVE_ANON_WRITABLE,
                    MprotectWrite.EXCLUSIVE_ANON_WRITABLE),
            Row.of(SoftDirtyPinned.WRITE_PROTECT, SoftDirtyPinned.WRITE_PROTECT, SoftDirtyPinned.SKIP_PINNED, SoftDirtyPinned.SKIP_PINNED, SoftDirtyPinned.SKIP_PINNED),
            Row.of(MadvPageout.UNSUPPORTED, MadvPageout.SUPPORTED, MadvPageout.SUPPORTED, MadvPageout.SUPPORTED, MadvPageout.SUPPORTED),
            Row.of(MadvPopulate.UNSUPPORTED, MadvPopulate.UNSUPPORTED, MadvPopulate.UNSUPPORTED, MadvPopulate.SUPPORTED, MadvPopulate.SUPPORTED),
            Row.of(DioPages.FOLL_GET, DioPages.FOLL_GET, DioPages.FOLL_GET, DioPages.FOLL_GET, DioPages.FOLL_PIN),
            Row.of(DirtyWithoutBuffersWriteback.BUG, DirtyWithoutBuffersWriteback.BUG, DirtyWithoutBuffersWriteback.BUG, DirtyWithoutBuffersWriteback.WARN_AND_DROP,
                    DirtyWithoutBuffersWriteback.WARN_AND_DROP),
            Row.of(LongtermFileWritePin.ALLOWED, LongtermFileWritePin.ALLOWED, LongtermFileWritePin.ALLOWED, LongtermFileWritePin.ALLOWED, LongtermFileWritePin.REFUSED),
            Row.of(GetUserPagesLongterm.ALLOWED, GetUserPagesLongterm.ALLOWED, GetUserPagesLongterm.REFUSED, GetUserPagesLongterm.REFUSED, GetUserPagesLongterm.REFUSED),
            Row.of(IbUmemGupFlags.WRITE_FORCE_IF_READONLY, IbUmemGupFlags.WRITE_FORCE_IF_READONLY, IbUmemGupFlags.WRITE_FORCE_IF_READONLY,
                    IbUmemGupFlags.WRITE_FORCE_IF_READONLY, IbUmemGupFlags.WRITE_IF_WRITABLE),
            Row.of(RdmaCopyOnFork.NOT_REPORTED, RdmaCopyOnFork.NOT_REPORTED, RdmaCopyOnFork.NOT_REPORTED, RdmaCopyOnFork.REPORTED, RdmaCopyOnFork.REPORTED),
            Row.of(IoUringBufferCheck.NO_IO_URING, IoUringBufferCheck.ANY_FILE_REFUSED, IoUringBufferCheck.ANY_FILE_REFUSED, IoUringBufferCheck.NON_SHMEM_FILE_REFUSED,
                    IoUringBufferCheck.GUP_DECIDES));

    @Test
    void predefinedModelsFollowTheReferenceTable() {
        for (Row row : REFERENCE_TABLE) {
            List<Switch> onModels = KernelModel.all().stream().<Switch>map(m -> m.get(row.type().asSubclass(Switch.class))).toList();
            assertThat(onModels)
                    .as("%s on %s", row.type().getSimpleName(), KernelModel.all()).containsExactlyElementsOf(row.values());
        }
    }

    /**
     * The table above has exactly one row per switch, so every switch's value on every model is
     * checked. (That every value's behaviour is tested is SwitchBehaviourTest's
     * everySwitchValueHasABehaviourTestNamedAfterIt.)
     */
    @Test
    void everySwitchHasATestedRowAbove() {
        assertThat(REFERENCE_TABLE).extracting(Row::type).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(KernelModel.SWITCHES);
    }

    @Test
    void withChangesOneSwitchAndNamesTheVariant() {
        KernelModel v = KernelModel.LINUX_5_10.with(ForkPinned.SHARE_WRPROTECT);
        assertThat(v.name()).isEqualTo("LINUX_5_10+ForkPinned.SHARE_WRPROTECT");
        assertThat(v.get(ForkPinned.class)).isEqualTo(ForkPinned.SHARE_WRPROTECT);
        assertThat(v.get(CowReuse.class)).isEqualTo(CowReuse.REFCOUNT_EQ_1);
        assertThat(v.isPredefined()).isFalse();
        assertThat(KernelModel.LINUX_5_10.get(ForkPinned.class)).as("the original is unchanged").isEqualTo(ForkPinned.EARLY_COPY_ANY_PAGE);
        assertThat(KernelModel.LINUX_5_10.with(ForkPinned.EARLY_COPY_ANY_PAGE)).isSameAs(KernelModel.LINUX_5_10);
        KernelModel named = v.named("5.9-rc1", "5.9-rc1");
        assertThat(named.name()).isEqualTo("5.9-rc1");
        assertThat(named.switches()).isEqualTo(v.switches());
        assertThat(named).isNotEqualTo(v).isEqualTo(v.named("5.9-rc1", "other words"));
    }

    @Test
    void byNameFindsPredefinedModelsAndLatest() {
        assertThat(KernelModel.byName("LINUX_6_1")).isSameAs(KernelModel.LINUX_6_1);
        assertThat(KernelModel.byName("LATEST")).isSameAs(KernelModel.LINUX_6_6);
        assertThat(KernelModel.all()).extracting(KernelModel::name).containsExactly("LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6");
        assertThatThrownBy(() -> KernelModel.byName("LINUX_9_9")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LINUX_4_19").hasMessageContaining("LATEST");
    }

    @Test
    void describePrintsOneLinePerSwitchWithItsSource() {
        String table = KernelModel.LINUX_5_10.describe();
        assertThat(table).startsWith("kernel model LINUX_5_10 (5.10.y with its 2021 stable backports");
        assertThat(table.lines()).hasSize(1 + KernelModel.SWITCHES.size());
        assertThat(table).contains("ForkPinned", "EARLY_COPY_ANY_PAGE", "70e806e4e645", "CowReuse", "REFCOUNT_EQ_1", "09854ba94c6a");
        assertThat(KernelModel.LINUX_5_10.toString()).isEqualTo("LINUX_5_10");
    }

    @Test
    void everySwitchValueNamesItsBehaviourAndSource() {
        for (Class<? extends Switch> type : KernelModel.SWITCHES) {
            for (Switch s : type.getEnumConstants()) {
                assertThat(s.behaviour()).as(s.name()).isNotBlank();
                assertThat(s.source()).as(s.name()).isNotBlank();
            }
        }
    }
}
