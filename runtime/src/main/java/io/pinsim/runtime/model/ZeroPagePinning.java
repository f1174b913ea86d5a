package io.pinsim.runtime.model;

/**
 * Whether pin_user_pages() takes a reference on the shared zero page (reference B16).
 */
public enum ZeroPagePinning implements Switch {
    /** the zero page is pinned like any page (refcount += 1, or 1024 with pin accounting) (mm/gup.c up to 6.4) */
    @Switch.Doc(behaviour = "the zero page is pinned like any page (refcount += 1, or 1024 with pin accounting)", source = "mm/gup.c up to 6.4")
    REFCOUNTED,
    /** the zero page is returned but never pinned: try_grab_folio() and gup_put_folio() skip it (c8070b787519 mm: Don't pin ZERO_PAGE in pin_user_pages(), 6.5) */
    @Switch.Doc(behaviour = "the zero page is returned but never pinned: try_grab_folio() and gup_put_folio() skip it", source = "c8070b787519 mm: Don't pin ZERO_PAGE in pin_user_pages(), 6.5")
    NOT_REFCOUNTED
}
