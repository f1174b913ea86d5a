package io.pinsim.runtime.internal.locking;

import io.pinsim.runtime.lockdep.LockDependency;
import java.util.List;

/**
 * The text of lockdep's reports, laid out as print_circular_bug() and print_deadlock_bug() print
 * them, with steps and actors where the kernel prints stack traces.
 */
final class LockdepText {
    static final String CIRCULAR = "possible circular locking dependency detected";
    static final String RECURSIVE = "possible recursive locking detected";
    private static final int COLUMN = 40;

    private LockdepText() {
    }

    private static String at(int step, String actor) {
        return step == 0 ? "primed at boot by " + actor : "step " + step + " by " + actor;
    }

    private static String lock(boolean shared, String name) {
        return (shared ? "rlock(" : "lock(") + name + ");";
    }

    private static String rule(String title) {
        return "=".repeat(title.length() + 9) + "\nWARNING: " + title + "\n" + "-".repeat(title.length() + 9) + "\n";
    }

    /** print_circular_bug(): the new dependency, the chain it closes in reverse order, the CPU0/CPU1 scenario. */
    static String circular(String actor, int heldStep, LockMode heldMode, LockDependency added, List<LockDependency> chain) {
        StringBuilder sb = new StringBuilder(rule(CIRCULAR));
        sb.append(actor).append(" is trying to acquire lock:\n  (").append(added.to()).append("), at: step ").append(added.step()).append("\n\n");
        sb.append("but task is already holding lock:\n  (").append(added.from()).append(")").append(heldMode.shared() ? " (read)" : "")
                .append(", at: step ").append(heldStep).append("\n\n");
        sb.append("which lock already depends on the new lock.\n\n");
        sb.append("the existing dependency chain (in reverse order) is:\n\n");
        for (int i = chain.size(); i >= 1; i--) {
            LockDependency in = chain.get(i - 1);
            sb.append("-> #").append(i).append(" (").append(in.to()).append("):\n       taken after ").append(in.from())
                    .append(", first ").append(at(in.step(), in.actor())).append("\n");
        }
        sb.append("-> #0 (").append(added.to()).append("):\n       taken after ").append(added.from()).append(", ")
                .append(at(added.step(), actor)).append("\n\n");
        sb.append("other info that might help us debug this:\n\n");
        LockDependency last = chain.get(chain.size() - 1);
        String source = added.to();
        String target = added.from();
        String parent = last.from();
        if (!parent.equals(source)) {
            sb.append("Chain exists of:\n  ").append(source).append(" --> ").append(parent).append(" --> ").append(target).append("\n\n");
        }
        sb.append(" Possible unsafe locking scenario:\n\n");
        sb.append(row("       CPU0 (" + actor + ")", "CPU1 (" + last.actor() + ")"));
        sb.append(row("       ----", "----"));
        sb.append(row("  " + lock(added.fromShared(), target) + "  [step " + heldStep + "]", ""));
        sb.append(row("", lock(last.fromShared(), parent) + "  [" + at(last.step(), last.actor()) + "]"));
        sb.append(row("", lock(last.toRecursive(), target) + "  [" + at(last.step(), last.actor()) + "]"));
        sb.append(row("  " + lock(added.toRecursive(), source) + "  [step " + added.step() + "]", ""));
        sb.append("\n *** DEADLOCK ***\n");
        return sb.toString();
    }

    /** print_deadlock_bug(): the actor takes a lock class it already holds. */
    static String recursive(String actor, LockClass cls, LockMode heldMode, int heldStep, LockMode mode, int step) {
        StringBuilder sb = new StringBuilder(rule(RECURSIVE));
        sb.append(actor).append(" is trying to acquire lock:\n  (").append(cls).append(")").append(mode.shared() ? " (read)" : "")
                .append(", at: step ").append(step).append("\n\n");
        sb.append("but task is already holding lock:\n  (").append(cls).append(")").append(heldMode.shared() ? " (read)" : "")
                .append(", at: step ").append(heldStep).append("\n\n");
        sb.append("other info that might help us debug this:\n Possible unsafe locking scenario:\n\n");
        sb.append("       CPU0 (").append(actor).append(")\n       ----\n");
        sb.append("  ").append(lock(heldMode.shared(), cls.name())).append("  [step ").append(heldStep).append("]\n");
        sb.append("  ").append(lock(mode.shared(), cls.name())).append("  [step ").append(step).append("]\n");
        sb.append("\n *** DEADLOCK ***\n\n May be due to missing lock nesting notation\n");
        return sb.toString();
    }

    private static String row(String left, String right) {
        if (right.isEmpty()) {
            return left + "\n";
        }
        return left + " ".repeat(Math.max(1, COLUMN - left.length())) + right + "\n";
    }
}
