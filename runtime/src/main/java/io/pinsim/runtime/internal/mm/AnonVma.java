package io.pinsim.runtime.internal.mm;

import java.util.ArrayList;
import java.util.List;

/**
 * The family of mms that may map an anonymous frame: the process that faulted it in and every
 * process forked from it since (the role of the kernel's anon_vma chain). Reverse mapping of an
 * anonymous frame looks up the frame's index in each of these mms. The model has no mremap, so an
 * anonymous page keeps its virtual address in every process of the family.
 */
public final class AnonVma {
    public final List<Mm> mms = new ArrayList<>(2);

    AnonVma(Mm first) {
        mms.add(first);
    }
}
