/**
 * The scenario DSL and the assertions. {@link io.pinsim.dsl.Pinsim} starts a story
 * ({@code kernel().process("A").malloc(pages(1)).pin(rdma).fork()...assertParentSees(dmaData())})
 * whose step interfaces offer only what makes sense next, and ends it with an assertion that fails
 * with a {@link io.pinsim.dsl.PinsimAssertionError}: a {@link io.pinsim.dsl.BugKind}, the
 * expected and actual data, and a {@code because:} line naming the step and the kernel mechanism.
 * The same checks are available on plain objects as AssertJ assertions
 * ({@link io.pinsim.dsl.PinsimAssertions}) and Hamcrest matchers ({@link io.pinsim.dsl.PinsimMatchers};
 * Hamcrest is an optional dependency). {@link io.pinsim.dsl.Handles} gives a scenario's kernel,
 * processes and devices to tests that need more than a story.
 */
package io.pinsim.dsl;
