package io.pinsim.runtime.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An immutable kernel model: a name and one value for each behaviour switch. The five predefined
 * models follow the eras of {@code reference/kernel-semantics.md} §1 and §10;
 * {@link #with(Switch...)} makes a variant that differs in some switches, for the kernels between
 * the eras (for example "5.9-rc1", {@code LINUX_5_10} without early copy at fork) and for
 * mailing-list proposals. Every model is coherent: each value's {@link Switch#requires()} holds, so
 * the runtime can run it.
 *
 * <p>Code that behaves differently across kernels asks the model for a switch; it never compares
 * version numbers.
 */
public final class KernelModel {

    /** Every switch type, in the order the model prints them. */
    public static final List<Class<? extends Switch>> SWITCHES = List.of(
            PinAccounting.class,
            CowReuse.class,
            ThpCow.class,
            HugetlbForkPinned.class,
            HugetlbMadvDontneed.class,
            SwapinWriteReuse.class,
            GupReadOnShared.class,
            RoLongtermPinNonAnon.class,
            ForkPinned.class,
            GupFastVsFork.class,
            ZeroPagePinning.class,
            PinnedAnonReclaim.class,
            MprotectWrite.class,
            SoftDirtyPinned.class,
            MadvPageout.class,
            MadvPopulate.class,
            MadvCollapse.class,
            MremapDontunmap.class,
            HugetlbMremap.class,
            MemfdFutureWrite.class,
            MemfdExec.class,
            DioPages.class,
            DirtyWithoutBuffersWriteback.class,
            LongtermFileWritePin.class,
            IoUringBufferCheck.class,
            GetUserPagesLongterm.class,
            IbUmemGupFlags.class,
            RdmaCopyOnFork.class,
            DmaResvLockdepPriming.class,
            DeviceExclusive.class,
            HmmDevicePrivateOwner.class,
            SvaMmExit.class,
            SecondaryTlbInvalidation.class,
            MmuNotifierLockdep.class,
            KfdSvm.class,
            TruncatePinnedPage.class,
            MunmapLock.class,
            NotifierFailure.class,
            DaxLongtermPin.class);

    /** Up to 5.7: mapcount-based COW reuse, GUP takes plain references, fork shares pinned pages. */
    public static final KernelModel LINUX_4_19 = new KernelModel("LINUX_4_19", "4.19.0: the mapcount era up to 5.7 (5.1+ add io_uring, 5.4 MADV_PAGEOUT, 5.7 pin accounting; 4.19.y from 2021 has 17839856fd58)", List.of(
            PinAccounting.PLAIN_REFERENCE,
            CowReuse.MAPCOUNT_PLUS_SWAPCOUNT,
            ThpCow.MAPCOUNT_COPY_HUGE,
            HugetlbForkPinned.SHARE_WRPROTECT,
            HugetlbMadvDontneed.REFUSED,
            SwapinWriteReuse.MAPCOUNT_PLUS_SWAPCOUNT,
            GupReadOnShared.RETURN_SHARED,
            RoLongtermPinNonAnon.PIN_IN_PLACE,
            ForkPinned.SHARE_WRPROTECT,
            GupFastVsFork.UNSERIALIZED,
            ZeroPagePinning.REFCOUNTED,
            PinnedAnonReclaim.SWAP_OUT,
            MprotectWrite.FAULT_ON_WRITE,
            SoftDirtyPinned.WRITE_PROTECT,
            MadvPageout.UNSUPPORTED,
            MadvPopulate.UNSUPPORTED,
            MadvCollapse.UNSUPPORTED,
            MremapDontunmap.UNSUPPORTED,
            HugetlbMremap.REFUSED,
            MemfdFutureWrite.UNKNOWN_SEAL,
            MemfdExec.UNKNOWN_FLAGS,
            DioPages.FOLL_GET,
            DirtyWithoutBuffersWriteback.BUG,
            LongtermFileWritePin.ALLOWED,
            IoUringBufferCheck.NO_IO_URING,
            GetUserPagesLongterm.ALLOWED,
            IbUmemGupFlags.WRITE_FORCE_IF_READONLY,
            RdmaCopyOnFork.NOT_REPORTED,
            DmaResvLockdepPriming.NONE,
            DeviceExclusive.UNSUPPORTED,
            HmmDevicePrivateOwner.ANY_OWNER,
            SvaMmExit.NO_SVA,
            SecondaryTlbInvalidation.INVALIDATE_RANGE,
            MmuNotifierLockdep.NO_MAP,
            KfdSvm.NO_SVM_IOCTL,
            TruncatePinnedPage.ORPHAN,
            MunmapLock.HELD_FOR_WRITE,
            NotifierFailure.MUST_SUCCEED,
            DaxLongtermPin.REFUSED));

    /** 5.8: 17839856fd58, GUP on a COW mapping breaks COW first, even for reads. */
    public static final KernelModel LINUX_5_8 = LINUX_4_19.derive("LINUX_5_8", "5.8: GUP breaks COW even for reads", List.of(
            PinAccounting.PIN_COUNTING_BIAS,
            ThpCow.MAPCOUNT_SPLIT,
            GupReadOnShared.FORCE_COW_BREAK,
            MadvPageout.SUPPORTED,
            MremapDontunmap.PRIVATE_ANON,
            MemfdFutureWrite.SHMEM_MMAP_CHECK,
            IoUringBufferCheck.ANY_FILE_REFUSED,
            DmaResvLockdepPriming.RESV_RECLAIM,
            HmmDevicePrivateOwner.OWNER_MATCH_OTHERS_EFAULT,
            SvaMmExit.ABORT_SILENTLY,
            MmuNotifierLockdep.PRIMED_AT_REGISTER,
            MunmapLock.DOWNGRADED_FOR_ZAP));

    /**
     * 5.9 - 5.18 (5.10 LTS as released in 5.10.y): 09854ba94c6a reuse only if refcount == 1,
     * 70e806e4e645 fork copies pinned pages early, write_protect_seq, pinned pages not swapped.
     */
    public static final KernelModel LINUX_5_10 = LINUX_5_8.derive("LINUX_5_10", "5.10.y with its 2021 stable backports (57efa1fe5957, feb889fb40fa, 9348b73c2e1b): the refcount era, 5.9 - 5.18", List.of(
            CowReuse.REFCOUNT_EQ_1,
            GupReadOnShared.RETURN_SHARED,
            ForkPinned.EARLY_COPY_ANY_PAGE,
            GupFastVsFork.WRITE_PROTECT_SEQ,
            PinnedAnonReclaim.SKIP_PINNED,
            SoftDirtyPinned.SKIP_PINNED,
            GetUserPagesLongterm.REFUSED,
            MemfdFutureWrite.SHMEM_AND_HUGETLBFS_MMAP_CHECK,
            DmaResvLockdepPriming.FENCE_SIGNALLING));

    /** 5.19 - 6.4 (6.1 LTS): PageAnonExclusive, FAULT_FLAG_UNSHARE for R/O pins; O_DIRECT still FOLL_GET. */
    public static final KernelModel LINUX_6_1 = LINUX_5_10.derive("LINUX_6_1", "6.1 (before 6.1.130): the anon-exclusive era, 5.19 - 6.4", List.of(
            CowReuse.ANON_EXCLUSIVE,
            ThpCow.ANON_EXCLUSIVE_SPLIT,
            HugetlbForkPinned.COW_IF_DUP_ANON_RMAP_FAILS,
            HugetlbMadvDontneed.ZAP_ALIGNED,
            SwapinWriteReuse.ANON_EXCLUSIVE,
            GupReadOnShared.UNSHARE_IF_PIN,
            ForkPinned.EARLY_COPY_ANON_EXCLUSIVE,
            MprotectWrite.DIRTY_EXCLUSIVE_ANON_WRITABLE,
            MadvPopulate.SUPPORTED,
            MadvCollapse.SUPPORTED,
            MremapDontunmap.ANY_MAPPING,
            HugetlbMremap.ALIGNED_MOVE,
            DeviceExclusive.EXCLUSIVE_ENTRY,
            HmmDevicePrivateOwner.OWNER_MATCH,
            DirtyWithoutBuffersWriteback.WARN_AND_DROP,
            IoUringBufferCheck.NON_SHMEM_FILE_REFUSED,
            RdmaCopyOnFork.REPORTED,
            MmuNotifierLockdep.TAKEN_BY_RECLAIM,
            KfdSvm.SVM_RETRY_FAULTS));

    /**
     * 6.5 and later: R/O long-term pins unshare non-anon pages (6.2), mprotect maps clean exclusive
     * anon pages writable (6.2), the zero page is never pinned (6.5), O_DIRECT pins its pages (6.5),
     * long-term write pins of dirty-tracked file mappings are refused (6.5).
     */
    public static final KernelModel LINUX_6_6 = LINUX_6_1.derive("LINUX_6_6", "6.6: 6.5 and later, before the 2025 fork-coherence fix", List.of(
            RoLongtermPinNonAnon.UNSHARE,
            MprotectWrite.EXCLUSIVE_ANON_WRITABLE,
            ZeroPagePinning.NOT_REFCOUNTED,
            DioPages.FOLL_PIN,
            MemfdExec.IMPLIED_AFTER_WRITE_CHECKS,
            LongtermFileWritePin.REFUSED,
            IoUringBufferCheck.GUP_DECIDES,
            IbUmemGupFlags.WRITE_IF_WRITABLE,
            SecondaryTlbInvalidation.ARCH_INVALIDATE_SECONDARY_TLBS));

    /** The newest predefined model. */
    public static final KernelModel LATEST = LINUX_6_6;

    private static final List<KernelModel> ALL = List.of(LINUX_4_19, LINUX_5_8, LINUX_5_10, LINUX_6_1, LINUX_6_6);

    /**
     * PROPOSAL (not merged): {@code LINUX_6_1} - the last era where a device may take a long-term
     * write pin of a file page, with the pin accounting the proposal relies on - whose truncate waits
     * for the pins of the range to drop, as fs-DAX does ({@link TruncatePinnedPage#PROPOSAL_WAIT_FOR_UNPIN};
     * the put_user_page thread, linux-mm, December 2018).
     */
    public static final KernelModel PROPOSAL_TRUNCATE_WAITS_FOR_PIN = LINUX_6_1.with(TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN)
            .named("PROPOSAL_TRUNCATE_WAITS_FOR_PIN", "proposal, not merged: 6.1 whose truncate waits for a pinned page cache page as fs-DAX does (put_user_page thread, Dec 2018)");

    /**
     * PROPOSAL (not merged): {@code LINUX_4_19}, the mapcount era the proposal was made against,
     * whose fork copies every anonymous page with a GUP reference instead of sharing it
     * ({@link ForkPinned#PROPOSAL_COPY_GUP_PAGES}, "copy GUPed page instead of COW").
     */
    public static final KernelModel PROPOSAL_FORK_COPY_GUP_PAGES = LINUX_4_19.with(ForkPinned.PROPOSAL_COPY_GUP_PAGES)
            .named("PROPOSAL_FORK_COPY_GUP_PAGES", "proposal, not merged: 4.19 whose fork copies every anonymous page with a GUP reference (\"copy GUPed page instead of COW\")");

    /**
     * PROPOSAL (never merged): {@code LINUX_5_8}, pin accounting without 5.9's early copy (the era of
     * the September 2020 thread), whose fork fails with EBUSY for a pinned page outside
     * MADV_DONTFORK ({@link ForkPinned#PROPOSAL_REQUIRE_DONTFORK}).
     */
    public static final KernelModel PROPOSAL_FORK_REQUIRES_DONTFORK = LINUX_5_8.with(ForkPinned.PROPOSAL_REQUIRE_DONTFORK)
            .named("PROPOSAL_FORK_REQUIRES_DONTFORK", "proposal, never merged: 5.8 whose fork fails (EBUSY) for a pinned page without MADV_DONTFORK");

    /**
     * PROPOSAL (never merged): {@code LINUX_4_19}, the era of the put_user_page thread (December
     * 2018), whose refused blockable invalidation fails the caller that can fail
     * ({@link NotifierFailure#PROPOSAL_MAY_FAIL}: fork fails with EAGAIN).
     */
    public static final KernelModel PROPOSAL_NOTIFIER_MAY_FAIL = LINUX_4_19.with(NotifierFailure.PROPOSAL_MAY_FAIL)
            .named("PROPOSAL_NOTIFIER_MAY_FAIL", "proposal, never merged: 4.19 whose refused blockable invalidation fails fork with EAGAIN (Tom Talpey, Dec 2018)");

    /** PROPOSAL (never merged): {@code LINUX_4_19} (the 5.2 era of the June 2019 RFC) with layout leases for long-term pins of fs-DAX ({@link DaxLongtermPin#PROPOSAL_LAYOUT_LEASE}). */
    public static final KernelModel PROPOSAL_LAYOUT_LEASE = LINUX_4_19.with(DaxLongtermPin.PROPOSAL_LAYOUT_LEASE)
            .named("PROPOSAL_LAYOUT_LEASE", "proposal, never merged: 4.19 where a layout lease allows RDMA to pin fs-DAX and truncate breaks it or fails (Ira Weiny, 2019)");

    /** PROPOSAL (never merged): {@code LINUX_6_1}, the era of {@link #PROPOSAL_TRUNCATE_WAITS_FOR_PIN} to compare with, whose truncate notifies the pinning driver, waits a grace period, then redirects the device to a dummy page ({@link TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE}; Jérôme Glisse, December 2018). */
    public static final KernelModel PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE = LINUX_6_1.with(TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE).named("PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE", "proposal, never merged: 6.1 whose truncate notifies the pinning driver, waits a grace period, then redirects the device to a dummy page (Jerome Glisse, Dec 2018)");

    private static final List<KernelModel> PROPOSALS = List.of(PROPOSAL_TRUNCATE_WAITS_FOR_PIN, PROPOSAL_FORK_COPY_GUP_PAGES, PROPOSAL_FORK_REQUIRES_DONTFORK,
            PROPOSAL_NOTIFIER_MAY_FAIL, PROPOSAL_LAYOUT_LEASE, PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE);

    private final String name;
    private final String stands;
    private final Map<Class<? extends Switch>, Switch> values;

    private KernelModel(String name, String stands, List<? extends Switch> switchValues) {
        this.name = requireName(name);
        this.stands = Objects.requireNonNull(stands, "stands");
        Map<Class<? extends Switch>, Switch> m = new LinkedHashMap<>();
        for (Class<? extends Switch> type : SWITCHES) {
            m.put(type, null);
        }
        for (Switch s : switchValues) {
            m.put(switchType(s), s);
        }
        for (Map.Entry<Class<? extends Switch>, Switch> e : m.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("model " + name + " has no value for switch " + e.getKey().getSimpleName());
            }
        }
        this.values = Collections.unmodifiableMap(m);
    }

    KernelModel derive(String newName, String newStands, List<? extends Switch> changes) {
        List<Switch> all = new ArrayList<>(values.values());
        for (Switch change : changes) {
            all.set(SWITCHES.indexOf(switchType(change)), change);
        }
        return new KernelModel(newName, newStands, all);
    }

    static Class<? extends Switch> switchType(Switch s) {
        Objects.requireNonNull(s, "switch value");
        Class<?> c = s.getClass();
        if (c.isAnonymousClass() || (c.getSuperclass() != null && c.getSuperclass().isEnum())) {
            c = c.getSuperclass();
        }
        for (Class<? extends Switch> type : SWITCHES) {
            if (type == c) {
                return type;
            }
        }
        throw new IllegalArgumentException(c.getName() + " is not a kernel model switch; the switches are " + SWITCHES.stream().map(Class::getSimpleName).toList());
    }

    /** {@code ForkPinned.SHARE_WRPROTECT}: a value with its switch, as messages and variant names print it. */
    static String label(Switch s) {
        return switchType(s).getSimpleName() + "." + s.name();
    }

    private static String requireName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a kernel model needs a non-blank name");
        }
        return name;
    }

    /** The predefined models, oldest first. */
    public static List<KernelModel> all() {
        return ALL;
    }

    /**
     * The predefined proposal models, each a kernel model with the mailing-list proposal of its
     * name ({@code PROPOSAL_*} switch values that no shipped kernel has); listed apart from
     * {@link #all()}, which holds the kernels that shipped.
     */
    public static List<KernelModel> proposals() {
        return PROPOSALS;
    }

    /**
     * The predefined model or proposal model with this name ({@code LINUX_6_1},
     * {@code PROPOSAL_TRUNCATE_WAITS_FOR_PIN}), or {@code LATEST}.
     *
     * @throws IllegalArgumentException naming the predefined models if there is none
     */
    public static KernelModel byName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.equals("LATEST")) {
            return LATEST;
        }
        for (List<KernelModel> list : List.of(ALL, PROPOSALS)) {
            for (KernelModel m : list) {
                if (m.name.equals(name)) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("no predefined kernel model \"" + name + "\"; use one of "
                + ALL.stream().map(KernelModel::name).toList() + ", LATEST or a proposal " + PROPOSALS.stream().map(KernelModel::name).toList());
    }

    /** Whether this is one of the {@link #proposals()}. */
    public boolean isProposal() {
        return PROPOSALS.contains(this);
    }

    /** The model's name, e.g. {@code LINUX_5_10} or {@code LINUX_5_10+ForkPinned.SHARE_WRPROTECT}. */
    public String name() {
        return name;
    }

    /** Which kernels the model stands for, e.g. {@code 5.10 (5.9 - 5.18)}. */
    public String standsFor() {
        return stands;
    }

    /** This model's value of one switch. */
    public <S extends Switch> S get(Class<S> type) {
        Objects.requireNonNull(type, "type");
        Switch s = values.get(type);
        if (s == null) {
            throw new IllegalArgumentException(type.getName() + " is not a kernel model switch");
        }
        return type.cast(s);
    }

    /** Every switch value, in {@link #SWITCHES} order. */
    public List<Switch> switches() {
        return List.copyOf(values.values());
    }

    /**
     * A variant of this model with the given switch values, checked together, named
     * {@code NAME+Switch.VALUE+...} (the values that change) unless {@link #named(String, String)}
     * renames it. Returns this model if it already has every value.
     *
     * <p>The variant must be a kernel that can run: every value's {@link Switch#requires()} must
     * hold in it. A value that reads state no value of the variant creates (PG_anon_exclusive
     * without the anon-exclusive COW rule, {@code page_maybe_dma_pinned()} without pin accounting,
     * a copy-on-fork report without the copy) is refused with an {@link IllegalArgumentException}
     * that names each broken requirement with its commit, and the values to pass together instead,
     * e.g. {@code LINUX_5_10.with(ForkPinned.EARLY_COPY_ANON_EXCLUSIVE, CowReuse.ANON_EXCLUSIVE)}.
     *
     * @throws IllegalArgumentException for an incoherent variant, for two values of one switch, or
     *                                  for a value that is not a switch of the model
     */
    public KernelModel with(Switch... values) {
        Objects.requireNonNull(values, "values");
        Map<Class<? extends Switch>, Switch> changes = new LinkedHashMap<>();
        for (Switch v : values) {
            Class<? extends Switch> type = switchType(v);
            Switch before = changes.put(type, v);
            if (before != null && before != v) {
                throw new IllegalArgumentException("with(..) got two values of " + type.getSimpleName() + ": " + before.name() + " and " + v.name() + "; pass one");
            }
        }
        changes.values().removeIf(v -> this.values.get(switchType(v)) == v);
        if (changes.isEmpty()) {
            return this;
        }
        String labels = changes.values().stream().map(KernelModel::label).collect(Collectors.joining(", "));
        KernelModel variant = derive(name + changes.values().stream().map(v -> "+" + label(v)).collect(Collectors.joining()),
                stands + " with " + labels, List.copyOf(changes.values()));
        List<Requirement> unmet = variant.unmetRequirements();
        if (!unmet.isEmpty()) {
            throw new IllegalArgumentException(Refusal.message(this, changes, variant, unmet));
        }
        return variant;
    }

    /** The requirements of this model's values that it does not meet, in {@link #SWITCHES} order. */
    List<Requirement> unmetRequirements() {
        List<Requirement> unmet = new ArrayList<>();
        for (Switch v : values.values()) {
            for (Requirement r : v.requires()) {
                if (!r.heldBy(this)) {
                    unmet.add(r);
                }
            }
        }
        return unmet;
    }

    /** The same switches under a new name, e.g. {@code LINUX_5_10.with(SHARE_WRPROTECT).named("5.9-rc1", ...)}. */
    public KernelModel named(String newName, String newStandsFor) {
        return new KernelModel(newName, newStandsFor, List.copyOf(values.values()));
    }

    /** Whether this is one of the predefined models (not a variant). */
    public boolean isPredefined() {
        return ALL.contains(this) || PROPOSALS.contains(this);
    }

    /** The model as a table: one line per switch, its value, what it means and where it comes from. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("kernel model ").append(name).append(" (").append(stands).append(")\n");
        int w1 = 0;
        int w2 = 0;
        for (Map.Entry<Class<? extends Switch>, Switch> e : values.entrySet()) {
            w1 = Math.max(w1, e.getKey().getSimpleName().length());
            w2 = Math.max(w2, e.getValue().name().length());
        }
        for (Map.Entry<Class<? extends Switch>, Switch> e : values.entrySet()) {
            sb.append("  ").append(pad(e.getKey().getSimpleName(), w1)).append("  ")
                    .append(pad(e.getValue().name(), w2)).append("  ")
                    .append(e.getValue().behaviour()).append(" [").append(e.getValue().source()).append("]\n");
        }
        return sb.toString();
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelModel other && name.equals(other.name) && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + values.hashCode();
    }

    /** The model's name; {@link #describe()} gives the table. */
    @Override
    public String toString() {
        return name;
    }
}
