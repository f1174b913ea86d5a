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
            // B3: do_huge_pmd_wp_page() kept the mapcount rule until 5.17 (3bff7e3f1f16, 5.18); 3917c80280c9 (5.8) splits instead of copying 2 MiB.
            Row.of(ThpCow.MAPCOUNT_COPY_HUGE, ThpCow.MAPCOUNT_SPLIT, ThpCow.MAPCOUNT_SPLIT, ThpCow.ANON_EXCLUSIVE_SPLIT, ThpCow.ANON_EXCLUSIVE_SPLIT),
            Row.of(HugetlbForkPinned.SHARE_WRPROTECT, HugetlbForkPinned.SHARE_WRPROTECT, HugetlbForkPinned.SHARE_WRPROTECT,
                    HugetlbForkPinned.COW_IF_DUP_ANON_RMAP_FAILS, HugetlbForkPinned.COW_IF_DUP_ANON_RMAP_FAILS),
            Row.of(HugetlbMadvDontneed.REFUSED, HugetlbMadvDontneed.REFUSED, HugetlbMadvDontneed.REFUSED, HugetlbMadvDontneed.ZAP_ALIGNED,
                    HugetlbMadvDontneed.ZAP_ALIGNED),
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
            Row.of(MadvCollapse.UNSUPPORTED, MadvCollapse.UNSUPPORTED, MadvCollapse.UNSUPPORTED, MadvCollapse.SUPPORTED, MadvCollapse.SUPPORTED),
            Row.of(MremapDontunmap.UNSUPPORTED, MremapDontunmap.PRIVATE_ANON, MremapDontunmap.PRIVATE_ANON, MremapDontunmap.ANY_MAPPING,
                    MremapDontunmap.ANY_MAPPING),
            Row.of(HugetlbMremap.REFUSED, HugetlbMremap.REFUSED, HugetlbMremap.REFUSED, HugetlbMremap.ALIGNED_MOVE, HugetlbMremap.ALIGNED_MOVE),
            Row.of(MemfdFutureWrite.UNKNOWN_SEAL, MemfdFutureWrite.SHMEM_MMAP_CHECK, MemfdFutureWrite.SHMEM_AND_HUGETLBFS_MMAP_CHECK,
                    MemfdFutureWrite.SHMEM_AND_HUGETLBFS_MMAP_CHECK, MemfdFutureWrite.SHMEM_AND_HUGETLBFS_MMAP_CHECK),
            Row.of(MemfdExec.UNKNOWN_FLAGS, MemfdExec.UNKNOWN_FLAGS, MemfdExec.UNKNOWN_FLAGS, MemfdExec.UNKNOWN_FLAGS, MemfdExec.IMPLIED_AFTER_WRITE_CHECKS),
            Row.of(DioPages.FOLL_GET, DioPages.FOLL_GET, DioPages.FOLL_GET, DioPages.FOLL_GET, DioPages.FOLL_PIN),
            Row.of(DirtyWithoutBuffersWriteback.BUG, DirtyWithoutBuffersWriteback.BUG, DirtyWithoutBuffersWriteback.BUG, DirtyWithoutBuffersWriteback.WARN_AND_DROP,
                    DirtyWithoutBuffersWriteback.WARN_AND_DROP),
            Row.of(LongtermFileWritePin.ALLOWED, LongtermFileWritePin.ALLOWED, LongtermFileWritePin.ALLOWED, LongtermFileWritePin.ALLOWED, LongtermFileWritePin.REFUSED),
            Row.of(GetUserPagesLongterm.ALLOWED, GetUserPagesLongterm.ALLOWED, GetUserPagesLongterm.REFUSED, GetUserPagesLongterm.REFUSED, GetUserPagesLongterm.REFUSED),
            Row.of(IbUmemGupFlags.WRITE_FORCE_IF_READONLY, IbUmemGupFlags.WRITE_FORCE_IF_READONLY, IbUmemGupFlags.WRITE_FORCE_IF_READONLY,
                    IbUmemGupFlags.WRITE_FORCE_IF_READONLY, IbUmemGupFlags.WRITE_IF_WRITABLE),
            Row.of(RdmaCopyOnFork.NOT_REPORTED, RdmaCopyOnFork.NOT_REPORTED, RdmaCopyOnFork.NOT_REPORTED, RdmaCopyOnFork.REPORTED, RdmaCopyOnFork.REPORTED),
            Row.of(DmaResvLockdepPriming.NONE, DmaResvLockdepPriming.RESV_RECLAIM, DmaResvLockdepPriming.FENCE_SIGNALLING, DmaResvLockdepPriming.FENCE_SIGNALLING,
                    DmaResvLockdepPriming.FENCE_SIGNALLING),
            Row.of(DeviceExclusive.UNSUPPORTED, DeviceExclusive.UNSUPPORTED, DeviceExclusive.UNSUPPORTED, DeviceExclusive.EXCLUSIVE_ENTRY,
                    DeviceExclusive.EXCLUSIVE_ENTRY),
            Row.of(HmmDevicePrivateOwner.ANY_OWNER, HmmDevicePrivateOwner.OWNER_MATCH_OTHERS_EFAULT, HmmDevicePrivateOwner.OWNER_MATCH_OTHERS_EFAULT,
                    HmmDevicePrivateOwner.OWNER_MATCH, HmmDevicePrivateOwner.OWNER_MATCH),
            Row.of(IoUringBufferCheck.NO_IO_URING, IoUringBufferCheck.ANY_FILE_REFUSED, IoUringBufferCheck.ANY_FILE_REFUSED, IoUringBufferCheck.NON_SHMEM_FILE_REFUSED,
                    IoUringBufferCheck.GUP_DECIDES),
            Row.of(SvaMmExit.NO_SVA, SvaMmExit.ABORT_SILENTLY, SvaMmExit.ABORT_SILENTLY, SvaMmExit.ABORT_SILENTLY, SvaMmExit.ABORT_SILENTLY),
            Row.of(SecondaryTlbInvalidation.INVALIDATE_RANGE, SecondaryTlbInvalidation.INVALIDATE_RANGE, SecondaryTlbInvalidation.INVALIDATE_RANGE,
                    SecondaryTlbInvalidation.INVALIDATE_RANGE, SecondaryTlbInvalidation.ARCH_INVALIDATE_SECONDARY_TLBS),
            Row.of(MmuNotifierLockdep.NO_MAP, MmuNotifierLockdep.PRIMED_AT_REGISTER, MmuNotifierLockdep.PRIMED_AT_REGISTER, MmuNotifierLockdep.TAKEN_BY_RECLAIM,
                    MmuNotifierLockdep.TAKEN_BY_RECLAIM),
            Row.of(KfdSvm.NO_SVM_IOCTL, KfdSvm.NO_SVM_IOCTL, KfdSvm.NO_SVM_IOCTL, KfdSvm.SVM_RETRY_FAULTS, KfdSvm.SVM_RETRY_FAULTS),
            Row.of(TruncatePinnedPage.ORPHAN, TruncatePinnedPage.ORPHAN, TruncatePinnedPage.ORPHAN, TruncatePinnedPage.ORPHAN, TruncatePinnedPage.ORPHAN),
            Row.of(MunmapLock.HELD_FOR_WRITE, MunmapLock.DOWNGRADED_FOR_ZAP, MunmapLock.DOWNGRADED_FOR_ZAP, MunmapLock.DOWNGRADED_FOR_ZAP, MunmapLock.DOWNGRADED_FOR_ZAP),
            Row.of(NotifierFailure.MUST_SUCCEED, NotifierFailure.MUST_SUCCEED, NotifierFailure.MUST_SUCCEED, NotifierFailure.MUST_SUCCEED, NotifierFailure.MUST_SUCCEED),
            Row.of(DaxLongtermPin.REFUSED, DaxLongtermPin.REFUSED, DaxLongtermPin.REFUSED, DaxLongtermPin.REFUSED, DaxLongtermPin.REFUSED));

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
    void proposalsAreListedApartFoundByNameAndUseProposalValuesNoKernelHas() {
        assertThat(KernelModel.proposals()).extracting(KernelModel::name).containsExactly("PROPOSAL_TRUNCATE_WAITS_FOR_PIN", "PROPOSAL_FORK_COPY_GUP_PAGES",
                "PROPOSAL_FORK_REQUIRES_DONTFORK", "PROPOSAL_NOTIFIER_MAY_FAIL", "PROPOSAL_LAYOUT_LEASE", "PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE");
        for (KernelModel p : KernelModel.proposals()) {
            assertThat(KernelModel.all()).doesNotContain(p);
            assertThat(KernelModel.byName(p.name())).isSameAs(p);
            assertThat(p.isProposal()).isTrue();
            assertThat(p.isPredefined()).isTrue();
            assertThat(p.switches()).as(p.name()).anyMatch(Switch::isProposal);
            assertThat(p.standsFor()).startsWith("proposal");
        }
        for (KernelModel m : KernelModel.all()) {
            assertThat(m.switches()).as("a shipped kernel has no proposal value").noneMatch(Switch::isProposal);
            assertThat(m.isProposal()).isFalse();
        }
        assertThat(KernelModel.PROPOSAL_TRUNCATE_WAITS_FOR_PIN.switches()).isEqualTo(KernelModel.LINUX_6_1.with(TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN).switches());
        assertThat(KernelModel.PROPOSAL_FORK_COPY_GUP_PAGES.switches()).isEqualTo(KernelModel.LINUX_4_19.with(ForkPinned.PROPOSAL_COPY_GUP_PAGES).switches());
        assertThat(KernelModel.PROPOSAL_FORK_REQUIRES_DONTFORK.switches()).isEqualTo(KernelModel.LINUX_5_8.with(ForkPinned.PROPOSAL_REQUIRE_DONTFORK).switches());
        assertThat(KernelModel.PROPOSAL_NOTIFIER_MAY_FAIL.switches()).isEqualTo(KernelModel.LINUX_4_19.with(NotifierFailure.PROPOSAL_MAY_FAIL).switches());
        assertThat(KernelModel.PROPOSAL_LAYOUT_LEASE.switches()).isEqualTo(KernelModel.LINUX_4_19.with(DaxLongtermPin.PROPOSAL_LAYOUT_LEASE).switches());
        assertThat(KernelModel.PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE.switches())
                .isEqualTo(KernelModel.LINUX_6_1.with(TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE).switches());
        assertThatThrownBy(() -> KernelModel.byName("PROPOSAL_NONE")).hasMessageContaining("PROPOSAL_TRUNCATE_WAITS_FOR_PIN");
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

    @Test
    void everyRequirementNamesAnotherSwitchAndACommit() {
        for (Class<? extends Switch> type : KernelModel.SWITCHES) {
            for (Switch s : type.getEnumConstants()) {
                for (Requirement r : s.requires()) {
                    assertThat(r.value()).isSameAs(s);
                    assertThat(r.on()).as(r.toString()).isNotEqualTo(type);
                    assertThat(r.anyOf()).as(r.toString()).allMatch(v -> v.getClass() == r.on());
                    assertThat(r.commit()).as(r.toString()).matches("[0-9a-f]{12}");
                    assertThat(r.state()).isNotBlank();
                    assertThat(r.why()).isNotBlank();
                }
            }
        }
        assertThat(ForkPinned.EARLY_COPY_ANON_EXCLUSIVE.requires()).extracting(Requirement::on).containsExactly(CowReuse.class, PinAccounting.class);
        assertThat(CowReuse.ANON_EXCLUSIVE.requires()).isEmpty();
    }

    @Test
    void everyPredefinedModelMeetsEveryRequirement() {
        for (KernelModel m : KernelModel.all()) {
            for (Switch s : m.switches()) {
                assertThat(s.requires()).as("%s in %s", s, m).allMatch(r -> r.heldBy(m));
            }
        }
    }

    /** The example: a value that reads PG_anon_exclusive in a model that has no such flag. */
    @Test
    void withRefusesAValueThatReadsStateNoOtherValueCreates() {
        assertThatThrownBy(() -> KernelModel.LINUX_5_10.with(ForkPinned.EARLY_COPY_ANON_EXCLUSIVE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("LINUX_5_10 with ForkPinned.EARLY_COPY_ANON_EXCLUSIVE is not a coherent kernel model:\n"
                        + "  ForkPinned.EARLY_COPY_ANON_EXCLUSIVE needs PG_anon_exclusive (CowReuse.ANON_EXCLUSIVE, 6c287605fd56: page_try_dup_anon_rmap()"
                        + " copies only pages marked exclusive, and only the anon-exclusive do_wp_page() keeps the mark), but the model has CowReuse.REFCOUNT_EQ_1\n"
                        + "use with(ForkPinned.EARLY_COPY_ANON_EXCLUSIVE, CowReuse.ANON_EXCLUSIVE) to change them together,"
                        + " or ForkPinned.SHARE_WRPROTECT instead of ForkPinned.EARLY_COPY_ANON_EXCLUSIVE");
        assertThatThrownBy(() -> KernelModel.LINUX_5_10.with(GupReadOnShared.UNSHARE_IF_PIN))
                .hasMessageContaining("GupReadOnShared.UNSHARE_IF_PIN needs PG_anon_exclusive (CowReuse.ANON_EXCLUSIVE, a7f226604170: ");
        assertThatThrownBy(() -> KernelModel.LINUX_4_19.with(ForkPinned.EARLY_COPY_ANY_PAGE))
                .hasMessageContaining("ForkPinned.EARLY_COPY_ANY_PAGE needs pin accounting (PinAccounting.PIN_COUNTING_BIAS, 3faa52c03f44: ")
                .hasMessageEndingWith("use with(ForkPinned.EARLY_COPY_ANY_PAGE, PinAccounting.PIN_COUNTING_BIAS) to change them together");
    }

    /** A derived report follows the switch it reports on: copy-on-fork is not reported by a kernel that does not copy. */
    @Test
    void withRefusesAReportThatNoLongerHoldsAndNamesTheValueThatDoes() {
        assertThatThrownBy(() -> KernelModel.LINUX_6_6.with(ForkPinned.SHARE_WRPROTECT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RdmaCopyOnFork.REPORTED needs early copy of pinned pages at fork (ForkPinned.EARLY_COPY_ANY_PAGE or"
                        + " ForkPinned.EARLY_COPY_ANON_EXCLUSIVE or ForkPinned.PROPOSAL_COPY_GUP_PAGES, 6cc9e215eb27: ")
                .hasMessageContaining("but the model has ForkPinned.SHARE_WRPROTECT")
                .hasMessageEndingWith("use with(ForkPinned.SHARE_WRPROTECT, RdmaCopyOnFork.NOT_REPORTED) to change them together");
        KernelModel v = KernelModel.LINUX_6_6.with(ForkPinned.SHARE_WRPROTECT, RdmaCopyOnFork.NOT_REPORTED);
        assertThat(v.name()).isEqualTo("LINUX_6_6+ForkPinned.SHARE_WRPROTECT+RdmaCopyOnFork.NOT_REPORTED");
        assertThat(v.get(RdmaCopyOnFork.class)).isEqualTo(RdmaCopyOnFork.NOT_REPORTED);
    }

    @Test
    void withTakesSeveralValuesAndChecksThemTogether() {
        KernelModel v = KernelModel.LINUX_5_10.with(GupReadOnShared.UNSHARE_IF_PIN, CowReuse.ANON_EXCLUSIVE);
        assertThat(v.name()).isEqualTo("LINUX_5_10+GupReadOnShared.UNSHARE_IF_PIN+CowReuse.ANON_EXCLUSIVE");
        assertThat(v.standsFor()).endsWith(" with GupReadOnShared.UNSHARE_IF_PIN, CowReuse.ANON_EXCLUSIVE");
        assertThat(KernelModel.LINUX_5_10.with(ForkPinned.EARLY_COPY_ANY_PAGE, CowReuse.ANON_EXCLUSIVE).name())
                .as("values the model already has are not part of the name").isEqualTo("LINUX_5_10+CowReuse.ANON_EXCLUSIVE");
        assertThat(KernelModel.LINUX_5_10.with()).isSameAs(KernelModel.LINUX_5_10);
        assertThatThrownBy(() -> KernelModel.LINUX_5_10.with(ForkPinned.SHARE_WRPROTECT, ForkPinned.EARLY_COPY_ANY_PAGE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("with(..) got two values of ForkPinned: SHARE_WRPROTECT and EARLY_COPY_ANY_PAGE; pass one");
    }

    /** The values a refusal suggests passing together make a coherent model, for every refused single-switch variant. */
    @Test
    void everyRefusalsSuggestionIsAccepted() {
        int refused = 0;
        for (KernelModel m : KernelModel.all()) {
            for (Class<? extends Switch> type : KernelModel.SWITCHES) {
                for (Switch v : type.getEnumConstants()) {
                    String message;
                    try {
                        m.with(v);
                        continue;
                    } catch (IllegalArgumentException e) {
                        message = e.getMessage();
                    }
                    refused++;
                    java.util.regex.Matcher use = java.util.regex.Pattern.compile("use with\\(([^)]*)\\)").matcher(message);
                    assertThat(use.find()).as(message).isTrue();
                    Switch[] values = java.util.Arrays.stream(use.group(1).split(", ")).map(KernelModelTest::parse).toArray(Switch[]::new);
                    assertThat(m.with(values).get(type)).as(message).isSameAs(v);
                }
            }
        }
        // 41 for the shipped values, + TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN on LINUX_4_19 (no pin accounting),
        // + ForkPinned.PROPOSAL_REQUIRE_DONTFORK on LINUX_4_19 (no pin accounting) and on LINUX_6_1 and LINUX_6_6
        // (RdmaCopyOnFork.REPORTED needs an early copy); TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE needs nothing
        // + HugetlbForkPinned.COW_IF_NEEDS_COW_FOR_DMA on LINUX_4_19 and COW_IF_DUP_ANON_RMAP_FAILS on 4.19, 5.8 and 5.10
        assertThat(refused).isEqualTo(49);
    }

    private static Switch parse(String label) {
        String[] parts = label.split("\\.");
        return KernelModel.SWITCHES.stream().filter(t -> t.getSimpleName().equals(parts[0])).findFirst().map(t -> java.util.Arrays.stream(t.getEnumConstants())
                .filter(c -> c.name().equals(parts[1])).findFirst().orElseThrow()).orElseThrow();
    }

    private static <S extends Switch> List<S> values(Class<S> type) {
        return KernelModel.all().stream().map(m -> m.get(type)).toList();
    }
}
