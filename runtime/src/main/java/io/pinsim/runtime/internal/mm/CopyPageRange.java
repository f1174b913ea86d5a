package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.trace.TraceKind;

/**
 * copy_page_range() of one VMA from the parent's mm to the child's (mm/memory.c), one PTE at a
 * time so that fork can be interleaved with GUP-fast: {@link #begin()} raises
 * MMU_NOTIFY_PROTECTION_PAGE on the parent and holds write_protect_seq odd for a COW mapping
 * (57efa1fe5957); then, per populated PTE, {@link #copyOnePte()} decides (copy_one_pte() /
 * copy_present_pte(): share, or copy now because the page may be pinned, per {@link ForkPinned})
 * and {@link #applyPte()} writes both PTEs; {@link #end()} closes the range. dup_mmap() in
 * kernel/fork.c drives it (see the kernel's fork steps).
 */
public final class CopyPageRange {
    private enum Decision { SHARE, COPY, SWAP, ZERO, HUGE_SHARE, HUGE_COPY, DEVICE_PRIVATE, REFUSE }

    private final MmCore k;
    private final Mm src;
    private final Mm dst;
    private final VmArea vma;
    private final String actor;
    private final ForkPinned policy;
    private final boolean cow;
    private long cursor;
    private long vpn;
    private long pte;
    private Decision decision;
    private String why;
    private int shared;
    private int copied;

    /** The copy of {@code vma} (the parent's) into {@code dst}, traced as {@code actor}. */
    public CopyPageRange(Mm src, Mm dst, VmArea vma, String actor) {
        this.k = src.kernel;
        this.src = src;
        this.dst = dst;
        this.vma = vma;
        this.actor = actor;
        this.policy = k.model().get(ForkPinned.class);
        this.cow = vma.isCowMapping();
        this.cursor = vma.startVpn;
    }

    /** The parent's VMA being copied. */
    public VmArea vma() {
        return vma;
    }

    /** The address of the PTE {@link #applyPte()} writes next. */
    public long address() {
        return vpn << Kernel.PAGE_SHIFT;
    }

    /**
     * Whether fork must fail with EBUSY at the next PTE instead of applying it: a maybe-pinned page
     * outside MADV_DONTFORK ({@link ForkPinned#PROPOSAL_REQUIRE_DONTFORK}).
     */
    public boolean refusesNext() {
        return decision == Decision.REFUSE;
    }

    /** Whether the next {@link #applyPte()} copies the page (rather than sharing it). */
    public boolean copiesNext() {
        return decision == Decision.COPY || decision == Decision.HUGE_COPY;
    }

    /**
     * What the next {@link #copyOnePte()} touches: it reads the parent's PTEs from the cursor on and
     * MMF_HAS_PINNED, and reads the frame of the next populated PTE (page_maybe_dma_pinned()), whose
     * PageAnonExclusive it may clear; or the swap slot of a swap entry.
     */
    public void decideFootprint(Footprint.Builder b) {
        String id = src.objectId();
        b.read(id + ":pte").read(id + ":has_pinned");
        long next = src.pt.nextPopulated(cursor, vma.endVpn);
        if (next >= 0) {
            b.write(src.ptlId(next));
        }
        long huge = src.pt.nextPmd(cursor, vma.endVpn);
        if (huge >= 0 && (next < 0 || huge < next)) {
            // copy_huge_pmd() may split the parent's PMD: it writes the parent's page table.
            b.write(id + ":pte").write(Page.objectId(Pte.pfn(src.pt.getPmd(huge))));
        } else if (next >= 0) {
            long p = src.pt.get(next);
            if (Pte.isDevicePrivate(p)) {
                b.read("devpage:" + Pte.slot(p));
            } else if (Pte.isDeviceExclusive(p)) {
                b.write(src.pteId(next)).write(Page.objectId(Pte.slot(p)));
            } else if (Pte.isSwap(p)) {
                b.read("swap:" + Pte.slot(p));
            } else {
                b.write(Page.objectId(Pte.pfn(p)));
            }
        }
    }

    /**
     * What the next {@link #applyPte()} touches: the parent's PTE, the child's page table and the
     * frame both map (its derived mapcount and refcount); an early copy also reads the old frame
     * and allocates; if memory is exhausted the fork fails and unwinds, which touches everything.
     */
    public Footprint applyFootprint() {
        Footprint.Builder b = Footprint.builder().write(src.pteId(vpn)).write(src.ptlId(vpn)).write(dst.objectId());
        switch (decision) {
            case SWAP -> b.write("swap:" + Pte.slot(pte));
            case DEVICE_PRIVATE -> b.write("devpage:" + Pte.slot(pte));
            case ZERO -> b.write(Page.objectId(0));
            case SHARE, HUGE_SHARE -> b.write(Page.objectId(Pte.pfn(src.pt.get(vpn))));
            case REFUSE -> {
                return Footprint.ALL;
            }
            case COPY -> {
                if (k.freeFrames() <= 0) {
                    return Footprint.ALL;
                }
                b.write(Page.objectId(Pte.pfn(pte))).write("alloc");
            }
            case HUGE_COPY -> {
                HugetlbPool pool = Hugetlb.hstate(k, vma);
                if (pool.free() - pool.reserved() <= 0) {
                    return Footprint.ALL;
                }
                b.write(Page.objectId(Pte.pfn(pte))).write("alloc");
            }
            default -> throw new IllegalStateException(decision.name());
        }
        return b.build();
    }

    /**
     * The start of copy_page_range() for a COW mapping: the notifier range and write_protect_seq.
     *
     * @return false if a notifier refused the range and the model lets the refusal fail fork
     *         ({@link io.pinsim.runtime.model.NotifierFailure#PROPOSAL_MAY_FAIL}): the range is closed
     *         already, nothing was changed, fork must fail with EAGAIN
     */
    public boolean begin() {
        if (cow) {
            if (!src.notifyStartOrFail(MmuNotifierEvent.PROTECTION_PAGE, vma.startVpn, vma.endVpn)) {
                return false;
            }
            src.writeProtectSeq.writeBegin(this);
        }
        return true;
    }

    /**
     * copy_one_pte(): finds the next populated PTE and decides what to do with it.
     *
     * @return false when no populated PTE is left in the VMA
     */
    public boolean copyOnePte() {
        vpn = src.pt.nextPopulated(cursor, vma.endVpn);
        long huge = src.pt.nextPmd(cursor, vma.endVpn);
        why = null;
        if (huge >= 0 && (vpn < 0 || huge < vpn)) {
            vpn = huge;
            pte = src.pt.getPmd(huge);
            decision = Hugetlb.isHugetlb(vma) ? copyHugetlb(k.frameOfPte(pte)) : copyHugePmd(k.frameOfPte(pte));
            if (decision == Decision.HUGE_SHARE || decision == Decision.HUGE_COPY || decision == Decision.REFUSE) {
                return true;
            }
            vpn = src.pt.nextPopulated(cursor, vma.endVpn);
        }
        if (vpn < 0) {
            return false;
        }
        // copy_pte_range() holds the source PTE table's lock from here to the applied PTE
        src.ptlHolder = this;
        pte = src.pt.get(vpn);
        why = null;
        if (Pte.isDeviceExclusive(pte)) {
            // copy_nonpresent_pte(): try_restore_exclusive_pte(), then copy it as a present PTE (b756a3b5e7ea)
            new DeviceMigration(k).restoreExclusivePte(src, vpn, pte, false);
            pte = src.pt.get(vpn);
        }
        if (Pte.isDevicePrivate(pte)) {
            decision = Decision.DEVICE_PRIVATE;
        } else if (Pte.isSwap(pte)) {
            decision = Decision.SWAP;
        } else if (Pte.pfn(pte) == 0) {
            decision = Decision.ZERO;
        } else {
            decision = copyPresentPte(k.frameOfPte(pte));
        }
        return true;
    }

    /**
     * copy_present_pte(): share the page or copy it now, per the model's {@link ForkPinned} policy.
     * A shared anonymous page stops being exclusive (page_dup_anon_rmap() in a kernel with
     * PG_anon_exclusive: a page two mms map is not exclusive to either), whichever policy decided
     * to share it; without the flag that is a no-op.
     */
    private Decision copyPresentPte(Page f) {
        boolean maybePinned = cow && src.hasPinned && f.pageMaybeDmaPinned();
        switch (policy) {
            case SHARE_WRPROTECT -> {
                return share(f);
            }
            case EARLY_COPY_ANY_PAGE -> {
                if (maybePinned) {
                    why = "MMF_HAS_PINNED and page_maybe_dma_pinned() (refcount " + f.refcount() + "): copied for the child now, the parent keeps it writable (copy_present_page, 70e806e4e645)";
                    return Decision.COPY;
                }
                return share(f);
            }
            case EARLY_COPY_ANON_EXCLUSIVE -> {
                if (!f.isAnon() || !f.isAnonExclusive()) {
                    return Decision.SHARE;
                }
                if (maybePinned) {
                    why = "exclusive and maybe pinned (refcount " + f.refcount() + "): page_try_dup_anon_rmap() fails, copied for the child now, the parent keeps it";
                    return Decision.COPY;
                }
                return share(f);
            }
            case PROPOSAL_COPY_GUP_PAGES -> {
                int expected = f.mapcount() + (f.swapSlot != null ? 1 : 0);
                if (cow && f.isAnon() && f.refcount() > expected) {
                    why = "refcount " + f.refcount() + " > mapcount " + expected + ": a GUP reference, copied for the child now, the parent keeps it writable (ForkPinned.PROPOSAL_COPY_GUP_PAGES, the 2009 fork-vs-gup proposal)";
                    return Decision.COPY;
                }
                return share(f);
            }
            case PROPOSAL_REQUIRE_DONTFORK -> {
                if (maybePinned) {
                    why = "MMF_HAS_PINNED and page_maybe_dma_pinned() (refcount " + f.refcount() + ") in a mapping without MADV_DONTFORK: fork fails (ForkPinned.PROPOSAL_REQUIRE_DONTFORK)";
                    return Decision.REFUSE;
                }
                return share(f);
            }
            default -> throw new IllegalStateException(policy.name());
        }
    }

    /** Whether this copy, between deciding and applying a PTE, holds the source PTE table lock that covers v. */
    boolean holdsPtl(long v) {
        return src.ptlHolder == this && (v >>> 9) == (vpn >>> 9);
    }

    /** The source PTE table lock held between deciding and applying a PTE (a footprint id), or null. */
    public String heldPtl() {
        return src.ptlHolder == this ? src.ptlId(vpn) : null;
    }

    /** Why the next PTE is decided as it is (a refusal's reason), or null. */
    public String why() {
        return why;
    }

    /**
     * copy_huge_pmd(): share the THP with one PMD entry, write-protected in both; or, if it may be
     * pinned and the era copies pinned pages at fork, split the parent's PMD and let the PTE-level
     * copy decide per subpage (d042035eaf5f, 5.9; page_try_dup_anon_rmap() failing, 5.19). The pin
     * test is the folio's, so every subpage of a pinned THP is copied for the child.
     */
    private Decision copyHugePmd(Page h) {
        if (HugeZeroPage.is(h)) {
            // copy_huge_pmd(): is_huge_zero_pmd() first; the child maps it too (mm_get_huge_zero_page())
            k.hugeZero.share(dst);
            return Decision.HUGE_SHARE;
        }
        boolean maybePinned = cow && src.hasPinned && h.pageMaybeDmaPinned();
        boolean split = switch (policy) {
            case SHARE_WRPROTECT -> false;
            case EARLY_COPY_ANY_PAGE -> maybePinned;
            case EARLY_COPY_ANON_EXCLUSIVE -> maybePinned && h.isAnonExclusive();
            // the proposal copies any page with a GUP reference: split, and the PTE-level copy
            // applies its refcount > mapcount test to each subpage
            case PROPOSAL_COPY_GUP_PAGES -> cow && h.isAnon() && h.refs != null;
            // split, and the PTE-level decision refuses the fork for the pinned subpage
            case PROPOSAL_REQUIRE_DONTFORK -> maybePinned;
        };
        if (split) {
            new HugeMemory(k).splitHugePmd(src, vpn, actor, "fork: THP #" + h.pfn() + " may be pinned (pincount " + h.pincount()
                    + "), so copy_huge_pmd() splits the PMD and the PTE-level copy decides (d042035eaf5f)");
            return null;
        }
        HugeMemory.setFolioExclusive(h, false);
        k.touch(h);
        return Decision.HUGE_SHARE;
    }

    /**
     * copy_hugetlb_page_range() for one hugetlb folio: copy it for the child now if the model's
     * {@link io.pinsim.runtime.model.HugetlbForkPinned} says so, else share it (it stops being
     * exclusive); a hugetlb folio is never split.
     */
    private Decision copyHugetlb(Page h) {
        if (policy == ForkPinned.PROPOSAL_REQUIRE_DONTFORK && cow && src.hasPinned && h.pageMaybeDmaPinned()) {
            why = "MMF_HAS_PINNED and a maybe-pinned hugetlb folio (refcount " + h.refcount() + ") in a mapping without MADV_DONTFORK: fork fails (ForkPinned.PROPOSAL_REQUIRE_DONTFORK)";
            return Decision.REFUSE;
        }
        why = Hugetlb.forkCopyReason(k, src, h, cow);
        if (why != null) {
            return Decision.HUGE_COPY;
        }
        HugeMemory.setFolioExclusive(h, false);
        k.touch(h);
        return Decision.HUGE_SHARE;
    }

    /** Decides to share: an exclusive anonymous page is exclusive no more (ClearPageAnonExclusive()). */
    private Decision share(Page f) {
        if (f.isAnonExclusive()) {
            f.clearAnonExclusive();
            k.touch(f);
        }
        return Decision.SHARE;
    }

    /**
     * Writes the decided PTEs: a swap entry duplicated (swap_duplicate()), the zero page mapped, the
     * page shared and write-protected in both for a COW mapping, or the child's early copy installed.
     *
     * @return the frame that could not be copied (page_copy_prealloc() failed: fork must fail with
     *         ENOMEM), or null
     */
    public Page applyPte() {
        if (src.ptlHolder == this) {
            src.ptlHolder = null;
        }
        switch (decision) {
            case SWAP -> {
                SwapSpace.Slot slot = k.swap.get(Pte.slot(pte));
                slot.count++;
                long sharedPte = pte & ~Pte.SWP_EXCLUSIVE;
                src.pt.set(vpn, sharedPte);
                dst.pt.set(vpn, sharedPte);
            }
            case ZERO -> dst.pt.set(vpn, pte & ~Pte.YOUNG);
            case HUGE_SHARE -> {
                long p = src.pt.getPmd(vpn);
                if (cow && Pte.isWrite(p)) {
                    p &= ~Pte.WRITE;
                    src.pt.setPmd(vpn, p);
                }
                dst.pt.setPmd(vpn, p & ~Pte.YOUNG);
                k.touch(k.frameOfPte(p));
                shared += Pte.leafPages(p);
                cursor = vpn + Pte.leafPages(p);
                return null;
            }
            case HUGE_COPY -> {
                Page old = k.frameOfPte(pte);
                if (!new Hugetlb(k).forkCopy(dst, vma, vpn, old, actor, why)) {
                    return old;
                }
                copied += Pte.leafPages(pte);
                cursor = vpn + Pte.leafPages(pte);
                return null;
            }
            case DEVICE_PRIVATE -> {
                // copy_nonpresent_pte(): both share the device page; in a COW mapping a writable
                // entry becomes readable in both (make_readable_device_private_entry()), so a write
                // in either faults it back to RAM and then copies (5042db43cc26, 4.14)
                long p = pte;
                if (cow && Pte.isWrite(p)) {
                    p &= ~Pte.WRITE;
                    src.pt.set(vpn, p);
                }
                dst.pt.set(vpn, p);
                shared++;
                k.trace().record(actor, TraceKind.FORK, vpn << Kernel.PAGE_SHIFT, Pte.slot(p), "device-private entry at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                        + " copied to the child, " + k.deviceMemory.page(Pte.slot(p)) + (cow ? ", read-only in both (copy_nonpresent_pte)" : " (copy_nonpresent_pte)"));
            }
            case SHARE -> {
                long p = src.pt.get(vpn);
                if (cow && Pte.isWrite(p)) {
                    p &= ~Pte.WRITE;
                    src.pt.set(vpn, p);
                }
                dst.pt.set(vpn, p & ~Pte.YOUNG);
                k.touch(k.frameOfPte(p));
                shared++;
            }
            case COPY -> {
                Page old = k.frameOfPte(pte);
                Page n = k.allocFrame(Content.copyOf(old.content()));
                if (n == null) {
                    return old;
                }
                n.flags |= Page.ANON | Page.DIRTY;
                n.setAnonExclusive();
                n.anonVma = dst.anonVma();
                n.index = vma.anonIndex(vpn);
                long cpte = Pte.present(n.pfn()) | Pte.DIRTY | Pte.SOFT_DIRTY | ((vma.flags & VmArea.VM_WRITE) != 0 ? Pte.WRITE : 0);
                dst.pt.set(vpn, cpte);
                copied++;
                k.trace().record(actor, TraceKind.FORK, vpn << Kernel.PAGE_SHIFT, n.pfn(), "frame #" + old.pfn() + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                        + " " + why + "; the child's copy is frame #" + n.pfn());
            }
            default -> throw new IllegalStateException(decision.name());
        }
        cursor = vpn + 1;
        return null;
    }

    /** The end of copy_page_range(): write_protect_seq even again, the notifier range closed. */
    public void end() {
        close();
        k.trace().record(actor, TraceKind.FORK, vma.start(), -1, vma + ": " + shared + " page(s) shared" + (cow ? " and write-protected in both" : "")
                + (copied > 0 ? ", " + copied + " copied early for the child" : ""));
    }

    /** Closes the range without the summary, when fork fails part-way. */
    public void close() {
        if (src.ptlHolder == this) {
            src.ptlHolder = null;
        }
        if (cow) {
            src.writeProtectSeq.writeEnd(this);
            src.notifyEnd(MmuNotifierEvent.PROTECTION_PAGE, vma.startVpn, vma.endVpn);
        }
    }
}
