package io.pinsim.samples;

import io.pinsim.junit.PinsimModels;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * For {@link ModelCoherenceTest}, which registers it through extension autodetection (off
 * everywhere else): a {@link PinsimModels} invocation on a model that the configured {@code pinsim.variant}
 * leaves unchanged is skipped, since it runs no variant. The extension names each invocation after
 * its model, and a variant's name carries the values that changed ({@code LINUX_6_1+ForkPinned...}).
 */
public final class VariantRunsOnly implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        boolean invocation = context.getUniqueId().contains("/[test-template-invocation:")
                && context.getTestMethod().map(m -> AnnotationSupport.isAnnotated(m, PinsimModels.class)).orElse(false);
        if (invocation && context.getConfigurationParameter("pinsim.variant").isPresent() && !context.getDisplayName().contains("+")) {
            return ConditionEvaluationResult.disabled("the variant leaves " + context.getDisplayName() + " unchanged");
        }
        return ConditionEvaluationResult.enabled("a variant, or not a model invocation");
    }
}
