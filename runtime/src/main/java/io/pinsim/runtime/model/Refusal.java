package io.pinsim.runtime.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Why {@link KernelModel#with(Switch...)} refused a variant, and what to pass instead: each broken
 * {@link Requirement} with the value the variant has, then the values that make the request
 * coherent (issue 12, "model variants that cannot crash").
 */
final class Refusal {
    private Refusal() {
    }

    /** The message of a refused {@link KernelModel#with(Switch...)}: each broken requirement, then what to pass instead. */
    static String message(KernelModel base, Map<Class<? extends Switch>, Switch> changes, KernelModel variant, List<Requirement> unmet) {
        StringBuilder sb = new StringBuilder(base.name()).append(" with ")
                .append(changes.values().stream().map(KernelModel::label).collect(Collectors.joining(", ")))
                .append(" is not a coherent kernel model:");
        for (Requirement r : unmet) {
            sb.append("\n  ").append(r).append(", but the model has ").append(KernelModel.label(variant.get(r.on())));
        }
        List<String> ways = new ArrayList<>();
        List<Switch> fix = fix(base, changes);
        if (fix != null) {
            ways.add("use with(" + fix.stream().map(KernelModel::label).collect(Collectors.joining(", ")) + ") to change them together");
        }
        for (Switch asked : changes.values()) {
            if (unmet.stream().noneMatch(r -> r.value() == asked)) {
                continue;
            }
            List<String> instead = new ArrayList<>();
            for (Switch alt : KernelModel.switchType(asked).getEnumConstants()) {
                if (alt != asked && alt != base.get(KernelModel.switchType(asked)) && !alt.isProposal() && alt.requires().stream().allMatch(r -> r.heldBy(variant))) {
                    instead.add(KernelModel.label(alt));
                }
            }
            if (!instead.isEmpty()) {
                ways.add(String.join(" or ", instead) + " instead of " + KernelModel.label(asked));
            }
        }
        sb.append("\n").append(ways.isEmpty() ? "change the values above so that each requirement holds" : String.join(", or ", ways));
        return sb.toString();
    }

    /**
     * The values to pass to {@link KernelModel#with(Switch...)} to get the requested ones in a coherent model,
     * or null: a requested value that needs another switch brings the first value that creates what
     * it needs (which is then wanted as well); a value the request broke is replaced by the nearest
     * value of its switch whose own requirements hold.
     */
    private static List<Switch> fix(KernelModel base, Map<Class<? extends Switch>, Switch> changes) {
        Map<Class<? extends Switch>, Switch> f = new LinkedHashMap<>(changes);
        Set<Class<? extends Switch>> wanted = new HashSet<>(changes.keySet());
        for (int round = 0; round <= KernelModel.SWITCHES.size(); round++) {
            KernelModel m = base.derive(base.name(), base.standsFor(), List.copyOf(f.values()));
            List<Requirement> unmet = m.unmetRequirements();
            if (unmet.isEmpty()) {
                return List.copyOf(f.values());
            }
            Requirement r = unmet.get(0);
            Class<? extends Switch> type = KernelModel.switchType(r.value());
            if (wanted.contains(type)) {
                if (!wanted.add(r.on())) {
                    return null;
                }
                f.put(r.on(), r.anyOf().get(0));
            } else {
                Switch alt = nearestAlternative(r.value(), m);
                if (alt == null) {
                    return null;
                }
                f.put(type, alt);
            }
        }
        return null;
    }

    /** The value of v's switch closest to v in declaration order (the older one on a tie), not a proposal, whose requirements m meets. */
    private static Switch nearestAlternative(Switch v, KernelModel m) {
        Switch[] all = KernelModel.switchType(v).getEnumConstants();
        int at = ((Enum<?>) v).ordinal();
        for (int d = 1; d < all.length; d++) {
            for (int i : new int[] {at - d, at + d}) {
                if (i >= 0 && i < all.length && !all[i].isProposal() && all[i].requires().stream().allMatch(r -> r.heldBy(m))) {
                    return all[i];
                }
            }
        }
        return null;
    }
}
