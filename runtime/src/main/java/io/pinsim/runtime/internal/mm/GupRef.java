package io.pinsim.runtime.internal.mm;

/**
 * One reference taken on a frame by GUP: a plain reference (FOLL_GET) or a pin (FOLL_PIN). It is an
 * object of its own so the model knows exactly who holds what, and can explain it.
 *
 * @param kind   FOLL_GET or FOLL_PIN
 * @param holder who holds it, e.g. {@code rdma0 MR#1}, {@code pipe#1}, {@code test}
 * @param step   the trace step that took it
 */
public record GupRef(Kind kind, String holder, int step) {
    public enum Kind { GET, PIN }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return kind + " by " + holder + " (step " + step + ")";
    }
}
