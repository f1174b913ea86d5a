package io.pinsim.runtime.model;

/**
 * How block-layer O_DIRECT holds the user pages of an in-flight request (reference B9, §8.1).
 */
public enum DioPages implements Switch {
    /** bio_iov_iter_get_pages() -> get_user_pages_fast(): plain references, invisible to page_maybe_dma_pinned() and so to fork (iov_iter_get_pages(), up to 6.4) */
    @Switch.Doc(behaviour = "bio_iov_iter_get_pages() -> get_user_pages_fast(): plain references, invisible to page_maybe_dma_pinned() and so to fork", source = "iov_iter_get_pages(), up to 6.4")
    FOLL_GET,
    /** iov_iter_extract_pages() -> pin_user_pages_fast() and BIO_PAGE_PINNED: fork copies the page for the child early (block: Convert bio_iov_iter_get_pages to use iov_iter_extract_pages (David Howells), 6.5) */
    @Switch.Doc(behaviour = "iov_iter_extract_pages() -> pin_user_pages_fast() and BIO_PAGE_PINNED: fork copies the page for the child early", source = "block: Convert bio_iov_iter_get_pages to use iov_iter_extract_pages (David Howells), 6.5")
    FOLL_PIN
}
