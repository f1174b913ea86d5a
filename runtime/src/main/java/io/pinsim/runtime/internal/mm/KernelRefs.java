package io.pinsim.runtime.internal.mm;

/**
 * A reference the kernel itself holds on a page for a while (folio_get() / folio_put()): the
 * pagevec reference of write_cache_pages() (filemap_get_folios_tag()) across a stepped writeback,
 * the isolation reference of reclaim (folio_isolate_lru()). It shows among the page's holders
 * like a GUP reference of kind GET.
 */
public final class KernelRefs {
    private KernelRefs() {
    }

    /** folio_get() on behalf of {@code holder} ({@code write_cache_pages() of kernel}). */
    public static GupRef get(MmCore k, Page f, String holder) {
        GupRef ref = new GupRef(GupRef.Kind.GET, holder, k.trace().step());
        f.addRef(ref);
        k.touch(f);
        return ref;
    }

    /** folio_put() of a reference {@link #get} took: the page is freed if that was the last. */
    public static void put(MmCore k, Page f, GupRef ref) {
        f.removeRef(ref);
        k.touch(f);
        k.maybeFree(f);
    }
}
