package io.pinsim.runtime.model;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a switch value needs of another switch: one of {@link #anyOf()}, which create the state
 * ({@link #state()}) the value reads. Declared on the value with {@link Switch.Requires}; a model
 * that breaks one is refused by {@link KernelModel#with(Switch...)}.
 *
 * @param value  the value that has the requirement
 * @param state  what it relies on, in kernel terms ({@code PG_anon_exclusive}, {@code pin accounting})
 * @param anyOf  the values of one other switch that create it
 * @param commit the commit that ties them
 * @param why    what the value reads and where it comes from
 */
public record Requirement(Switch value, String state, List<Switch> anyOf, String commit, String why) {

    /** Checks the components and copies the list. */
    public Requirement {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(state, "state");
        anyOf = List.copyOf(anyOf);
        if (anyOf.isEmpty()) {
            throw new IllegalArgumentException(KernelModel.label(value) + ": a requirement names at least one value");
        }
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(why, "why");
    }

    /** The switch whose value the requirement constrains. */
    public Class<? extends Switch> on() {
        return KernelModel.switchType(anyOf.get(0));
    }

    /** Whether the model has one of the values. */
    public boolean heldBy(KernelModel model) {
        return anyOf.contains(model.get(on()));
    }

    /**
     * One line: {@code ForkPinned.EARLY_COPY_ANON_EXCLUSIVE needs PG_anon_exclusive
     * (CowReuse.ANON_EXCLUSIVE, 6c287605fd56: ...)}.
     */
    @Override
    public String toString() {
        return KernelModel.label(value) + " needs " + state + " (" + anyOf.stream().map(KernelModel::label).collect(Collectors.joining(" or "))
                + ", " + commit + ": " + why + ")";
    }
}
