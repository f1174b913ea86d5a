package io.pinsim.dsl;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.kernel;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.devices.RdmaNic;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Null arguments to the chain's steps (project issue 11, bug 8): refused by the step itself with
 * the parameter's name, before the step runs, instead of a NullPointerException from deep inside
 * the step or a later one.
 */
class DslReliabilityRegressionTest {

    @Test
    void stepsRefuseNullArgumentsWhereTheyArePassed() {
        Scenario s = kernel().process("A").malloc(pages(1)).write('A').pin(rdma);
        int steps = s.state.steps;
        assertRefused("size", "malloc", () -> s.malloc(null));
        assertRefused("data", "write", () -> s.write((Data) null));
        assertRefused("advice", "madvise", () -> s.madvise(null));
        assertRefused("device", "pin", () -> s.pin((DeviceKind) null));
        assertRefused("nic", "pin", () -> s.pin((RdmaNic) null));
        assertRefused("data", "deviceWrites", () -> s.deviceWrites(null));
        assertRefused("expected", "assertSees", () -> s.assertSees(null));
        assertThat(s.state.steps).as("no step ran").isEqualTo(steps);
        s.assertSees(fill('A'));
    }

    private static void assertRefused(String parameter, String step, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NullPointerException.class, e -> {
            assertThat(e.getMessage()).isEqualTo(parameter);
            assertThat(e.getStackTrace()[1].getMethodName()).as("thrown by the step called").isEqualTo(step);
        });
    }
}
