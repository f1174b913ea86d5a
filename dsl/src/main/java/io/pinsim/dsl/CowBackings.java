package io.pinsim.dsl;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MremapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.TransparentHugepage;

/** Prepares a {@link CowBacking} as upstream cow.c does (run_with_base_page(), do_run_with_thp(), run_with_zeropage(), run_with_huge_zeropage()). */
final class CowBackings {
    private static final long THP = 2L << 20;
    private static final int ANON_PRIVATE = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
    private static final int RW = Prot.READ | Prot.WRITE;

    private CowBackings() {
    }

    static Buffer prepare(Kernel kernel, Process p, CowBacking backing) {
        long page = Kernel.PAGE_SIZE;
        if (backing == CowBacking.SHARED_ZERO_PAGE) {
            // run_with_zeropage(): "Read from the page to populate the shared zeropage."
            long mem = p.mmap(page, RW, ANON_PRIVATE);
            p.read(mem, 1);
            return new Buffer(p, mem, page);
        }
        if (backing == CowBacking.BASE_PAGE || backing == CowBacking.SWAPPED_OUT_BASE_PAGE) {
            long mem = p.mmap(page, RW, ANON_PRIVATE);
            p.madvise(mem, page, Advice.NOHUGEPAGE);
            p.fill(mem, page, (byte) 1);
            if (backing == CowBacking.SWAPPED_OUT_BASE_PAGE) {
                p.madvise(mem, page, Advice.PAGEOUT);
            }
            return new Buffer(p, mem, page);
        }
        if (kernel.transparentHugepage() == TransparentHugepage.NEVER) {
            kernel.setTransparentHugepage(TransparentHugepage.MADVISE);
        }
        // "For alignment purposes, we need twice the thp size."
        long raw = p.mmap(2 * THP, RW, ANON_PRIVATE);
        long mem = (raw + THP) & -THP;
        p.madvise(mem, THP, Advice.HUGEPAGE);
        if (backing == CowBacking.HUGE_ZERO_PAGE) {
            p.read(mem, 1);
            return new Buffer(p, mem, THP);
        }
        p.fill(mem, THP, (byte) 1);
        long size = THP;
        switch (backing) {
            case PTE_MAPPED_THP, SWAPPED_OUT_PTE_MAPPED_THP -> {
                p.mprotect(mem + page, page, Prot.READ);
                p.mprotect(mem + page, page, RW);
            }
            case SINGLE_PTE_OF_THP, SWAPPED_OUT_SINGLE_PTE_OF_THP -> {
                p.madvise(mem + page, THP - page, Advice.DONTNEED);
                size = page;
            }
            case PARTIALLY_MREMAPPED_THP -> {
                long half = THP / 2;
                long to = p.mmap(half, Prot.NONE, ANON_PRIVATE);
                p.mremap(mem + half, half, half, MremapFlags.MAYMOVE | MremapFlags.FIXED, to);
                size = half;
            }
            case PARTIALLY_SHARED_THP -> {
                p.madvise(mem + page, THP - page, Advice.DONTFORK);
                p.fork().exit();
                p.madvise(mem + page, THP - page, Advice.DOFORK);
            }
            default -> {
            }
        }
        if (backing == CowBacking.SWAPPED_OUT_THP || backing == CowBacking.SWAPPED_OUT_PTE_MAPPED_THP || backing == CowBacking.SWAPPED_OUT_SINGLE_PTE_OF_THP) {
            p.madvise(mem, size, Advice.PAGEOUT);
        }
        return new Buffer(p, mem, size);
    }
}
