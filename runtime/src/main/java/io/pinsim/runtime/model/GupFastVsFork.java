package io.pinsim.runtime.model;

/**
 * Whether GUP-fast, which runs without mmap_lock, is serialized against a concurrent fork (reference B8).
 */
public enum GupFastVsFork implements Switch {
    /** GUP-fast can pin a page after fork decided to share it and before fork write-protects it (up to 5.10.0) */
    @Switch.Doc(behaviour = "GUP-fast can pin a page after fork decided to share it and before fork write-protects it", source = "up to 5.10.0")
    UNSERIALIZED,
    /** fork holds mm->write_protect_seq odd; FOLL_PIN GUP-fast that sees it odd or changed unpins and falls back to the slow path, which waits for mmap_lock (57efa1fe5957 mm/gup: prevent gup_fast from racing with COW during fork, 5.11 and 5.10.y) */
    @Switch.Doc(behaviour = "fork holds mm->write_protect_seq odd; FOLL_PIN GUP-fast that sees it odd or changed unpins and falls back to the slow path, which waits for mmap_lock", source = "57efa1fe5957 mm/gup: prevent gup_fast from racing with COW during fork, 5.11 and 5.10.y")
    WRITE_PROTECT_SEQ
}
