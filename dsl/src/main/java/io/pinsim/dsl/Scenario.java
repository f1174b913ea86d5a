package io.pinsim.dsl;

/** A scenario before any fork: {@link Pinsim#kernel()} starts one. */
@CheckReturnValue
public final class Scenario extends ScenarioSteps<Scenario> {
    Scenario(ScenarioState state) {
        super(state);
    }

    @Override
    Scenario self() {
        return this;
    }

    @Override
    public String toString() {
        return "scenario on " + state.kernel + " after " + state.steps + " step(s)";
    }
}
