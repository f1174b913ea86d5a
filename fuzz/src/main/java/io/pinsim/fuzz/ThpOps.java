package io.pinsim.fuzz;

import io.pinsim.runtime.TransparentHugepage;

/**
 * The THP knobs and the deferred split shrinker: /sys/kernel/mm/transparent_hugepage/enabled
 * ({@code Kernel.setTransparentHugepage}: with ALWAYS or MADVISE the anonymous mappings' faults map
 * PMD-mapped THPs, so COW, GUP, fork, split, swap-out and the deferred split of THPs meet every other
 * operation), use_zero_page ({@code Kernel.setThpUseZeroPage}) and a run of the deferred split
 * shrinker ({@code Kernel.deferredSplitScan}).
 */
final class ThpOps {
    private final World w;

    ThpOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        switch (op.kind()) {
            case THP_SETTING -> {
                TransparentHugepage t = TransparentHugepage.values()[Math.floorMod(op.c(), TransparentHugepage.values().length)];
                w.line("k.setTransparentHugepage(TransparentHugepage." + t.name() + ");");
                w.kernel.setTransparentHugepage(t);
            }
            case THP_USE_ZERO_PAGE -> {
                boolean on = Math.floorMod(op.c(), 2) == 0;
                w.line("k.setThpUseZeroPage(" + on + ");");
                w.kernel.setThpUseZeroPage(on);
            }
            case DEFERRED_SPLIT_SCAN -> {
                w.emitTolerant("k.deferredSplitScan()");
                w.kernel.deferredSplitScan();
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
