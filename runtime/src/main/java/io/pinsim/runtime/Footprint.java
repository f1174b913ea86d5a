package io.pinsim.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the next step of a {@link Steppable} may read and write, named as abstract object ids, so
 * that a schedule explorer can tell steps that commute: two steps whose footprints do not conflict
 * give the same state in either order, and only one order needs exploring. Two footprints conflict
 * when one writes an object the other reads or writes. {@link #ALL} conflicts with every step: it
 * is the safe answer whenever a step's reach is not known exactly, and the default.
 *
 * <p>Ids are {@code :}-separated paths and an id covers every id below it: {@code mm:1} covers
 * {@code mm:1:pte:0x7f0000000000}. The model names these objects:
 * <ul>
 * <li>{@code mm:<pid>:pte:<address>} one PTE of a process's page table ({@code mm:<pid>:pte}: all
 *     of them); {@code mm:<pid>:vmas}, {@code mm:<pid>:mmap_lock}, {@code mm:<pid>:write_protect_seq},
 *     {@code mm:<pid>:has_pinned} (MMF_HAS_PINNED), {@code mm:<pid>:anon_vma}, {@code mm:<pid>:notifiers};</li>
 * <li>{@code frame:<pfn>} a frame: its references (refcount, mapcount, pins), flags and content;
 *     {@code alloc} the page allocator (which pfn the next allocation gets);
 *     {@code swap:<slot>} a swap slot; {@code kernel:processes} pids and the process list;</li>
 * <li>{@code inode:<fs>:<ino>:i_rwsem} a file's i_rwsem (inode_lock()).</li>
 * </ul>
 * The trace is not an object: steps that commute give the same state but trace their events in
 * their own order.
 */
public final class Footprint {
    /** Touches everything: conflicts with every step, so no order involving it is skipped. */
    public static final Footprint ALL = new Footprint(true, new String[0], new String[0]);
    /** Touches nothing: commutes with every step. */
    public static final Footprint NONE = new Footprint(false, new String[0], new String[0]);

    private final boolean all;
    private final String[] reads;
    private final String[] writes;

    private Footprint(boolean all, String[] reads, String[] writes) {
        this.all = all;
        this.reads = reads;
        this.writes = writes;
    }

    /** A builder of a footprint with the objects a step reads and writes. */
    public static Builder builder() {
        return new Builder();
    }

    /** A footprint that writes (and so may also read) these objects. */
    public static Footprint writes(String... ids) {
        Builder b = builder();
        for (String id : ids) {
            b.write(id);
        }
        return b.build();
    }

    /** Whether this is {@link #ALL}. */
    public boolean isAll() {
        return all;
    }

    /** The objects read (and not written), in the order they were added. */
    public List<String> reads() {
        return List.of(reads);
    }

    /** The objects written, in the order they were added. */
    public List<String> writes() {
        return List.of(writes);
    }

    /**
     * Whether the two steps may not commute: either is {@link #ALL}, or one writes an object that
     * the other reads or writes (an id conflicts with the ids it covers and that cover it).
     */
    public boolean conflictsWith(Footprint other) {
        if (all || other.all) {
            return true;
        }
        return writesAny(writes, other.writes) || writesAny(writes, other.reads) || writesAny(other.writes, reads);
    }

    private static boolean writesAny(String[] written, String[] touched) {
        for (String w : written) {
            for (String t : touched) {
                if (overlap(w, t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether two ids name overlapping objects: they are equal, or one covers the other ({@code mm:1} covers {@code mm:1:pte:0x1000}). */
    public static boolean overlap(String a, String b) {
        int la = a.length();
        int lb = b.length();
        if (la == lb) {
            return a.equals(b);
        }
        return la < lb ? b.startsWith(a) && b.charAt(la) == ':' : a.startsWith(b) && a.charAt(lb) == ':';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Footprint f && all == f.all && Arrays.equals(reads, f.reads) && Arrays.equals(writes, f.writes);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(all) * 31 * 31 + Arrays.hashCode(reads) * 31 + Arrays.hashCode(writes);
    }

    /** {@code everything}, or {@code reads [..] writes [..]}. */
    @Override
    public String toString() {
        if (all) {
            return "everything";
        }
        return (reads.length > 0 ? "reads " + Arrays.toString(reads) + (writes.length > 0 ? " " : "") : "")
                + (writes.length > 0 ? "writes " + Arrays.toString(writes) : "")
                + (reads.length == 0 && writes.length == 0 ? "nothing" : "");
    }

    /** Collects the objects a step reads and writes; an object both read and written counts as written. */
    public static final class Builder {
        private final List<String> reads = new ArrayList<>(4);
        private final List<String> writes = new ArrayList<>(4);

        private Builder() {
        }

        /** The step reads this object. */
        public Builder read(String id) {
            reads.add(check(id));
            return this;
        }

        /** The step writes (and maybe reads) this object. */
        public Builder write(String id) {
            writes.add(check(id));
            return this;
        }

        private static String check(String id) {
            if (id == null || id.isEmpty() || id.startsWith(":") || id.endsWith(":")) {
                throw new IllegalArgumentException("a footprint id is a non-empty ':'-separated path such as \"frame:12\", was \"" + id + "\"");
            }
            return id;
        }

        /** The footprint of what was read and written. */
        public Footprint build() {
            List<String> r = new ArrayList<>(reads.size());
            for (String id : reads) {
                if (!writes.contains(id) && !r.contains(id)) {
                    r.add(id);
                }
            }
            List<String> w = new ArrayList<>(writes.size());
            for (String id : writes) {
                if (!w.contains(id)) {
                    w.add(id);
                }
            }
            return new Footprint(false, r.toArray(new String[0]), w.toArray(new String[0]));
        }
    }
}
