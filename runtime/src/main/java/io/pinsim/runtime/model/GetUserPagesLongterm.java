package io.pinsim.runtime.model;

/**
 * Whether get_user_pages*() (FOLL_GET) accepts FOLL_LONGTERM (is_valid_gup_flags(), read in 5.10.13 mm/gup.c).
 */
public enum GetUserPagesLongterm implements Switch {
    /** FOLL_LONGTERM is accepted for plain references too (get_user_pages_longterm() in 4.19, the flag from 5.2) (mm/gup.c up to 5.9) */
    @Switch.Doc(behaviour = "FOLL_LONGTERM is accepted for plain references too (get_user_pages_longterm() in 4.19, the flag from 5.2)", source = "mm/gup.c up to 5.9")
    ALLOWED,
    /** {@code WARN_ON_ONCE(gup_flags & FOLL_LONGTERM)} in is_valid_gup_flags(): get_user_pages() is -EINVAL; long-term users must pin (mm/gup: don't permit users to call get_user_pages with FOLL_LONGTERM, 5.10) */
    @Switch.Doc(behaviour = "WARN_ON_ONCE(gup_flags & FOLL_LONGTERM) in is_valid_gup_flags(): get_user_pages() is -EINVAL; long-term users must pin", source = "mm/gup: don't permit users to call get_user_pages with FOLL_LONGTERM, 5.10")
    REFUSED
}
