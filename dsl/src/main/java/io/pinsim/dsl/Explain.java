package io.pinsim.dsl;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.trace.TraceEvent;
import io.pinsim.runtime.trace.TraceKind;
import java.util.List;

/** The "because" of a failure message, read from the trace: which step moved the page, which frame the device holds. */
final class Explain {
    private Explain() {
    }

    /** Why the buffer in its process may hold other data than expected. */
    static String why(ScenarioState state, Buffer b) {
        Process p = b.process();
        long page = b.pageStart();
        StringBuilder sb = new StringBuilder();
        if (!p.isAlive()) {
            return "process \"" + p.name() + "\" is " + p.state().name().toLowerCase(java.util.Locale.ROOT)
                    + (p.killedBy() != null ? " (" + p.killedBy() + ")" : "");
        }
        Frame mapped = p.frameAt(page);
        TraceEvent moved = lastMove(state, p.name(), page);
        if (moved != null) {
            sb.append("at step ").append(moved.step()).append(" (").append(role(state, p)).append(", ").append(kind(moved)).append(") ")
                    .append(moved.message());
        }
        GupPages held = state.registration == null ? null : state.registration.pages();
        if (held != null && held.count() > 0) {
            Frame dev = held.frame((int) ((page - held.start()) >>> Kernel.PAGE_SHIFT));
            if (dev != mapped) {
                sb.append(sb.length() > 0 ? "; " : "").append(state.registration.device()).append(" still holds frame #").append(dev.pfn())
                        .append(" while \"").append(p.name()).append("\" maps ").append(mapped == null ? "nothing" : "frame #" + mapped.pfn());
            } else if (sb.length() == 0) {
                sb.append(state.registration.device()).append(" and \"").append(p.name()).append("\" share frame #").append(dev.pfn());
            }
        }
        if (sb.length() == 0) {
            sb.append("\"").append(p.name()).append("\" maps ").append(mapped == null ? "nothing at " + Kernel.hex(page) : "frame #" + mapped.pfn())
                    .append("; no step copied or moved it");
        }
        if (state.exploration != null) {
            sb.append("; ").append(state.exploration);
        }
        return sb.toString();
    }

    /** Outside a scenario: which frame the buffer's process maps, and whether its parent maps the same one. */
    static String mapping(Buffer b) {
        Process p = b.process();
        Frame f = p.frameAt(b.address());
        StringBuilder sb = new StringBuilder("\"").append(p.name()).append("\" maps ").append(f == null ? "nothing at " + Kernel.hex(b.address()) : f);
        Process parent = p.parent();
        if (f != null && parent != null && parent.isAlive() && parent.frameAt(b.address()) == f) {
            sb.append(", which its parent \"").append(parent.name()).append("\" maps too");
        }
        return sb.toString();
    }

    /**
     * Why a pipe read other data than expected: it copies from the frames it holds at read time, so
     * a write fault that reused such a frame for another process put that process's data in the pipe.
     */
    static String whyPipe(ScenarioState state) {
        StringBuilder sb = new StringBuilder("the pipe copies from the frames its buffers hold at read time");
        List<TraceEvent> events = state.kernel.trace().events();
        String copied = state.pipe.name() + " copied ";
        long pfn = -1;
        for (int i = events.size() - 1; i >= 0 && pfn < 0; i--) {
            TraceEvent e = events.get(i);
            if (e.kind() == TraceKind.DMA && e.message().startsWith(copied)) {
                pfn = e.pfn();
            }
        }
        if (pfn < 0) {
            return sb.toString();
        }
        sb.append(": frame #").append(pfn);
        for (int i = events.size() - 1; i >= 0; i--) {
            TraceEvent e = events.get(i);
            if (e.kind() == TraceKind.COW_REUSE && e.pfn() == pfn) {
                sb.append("; at step ").append(e.step()).append(" (\"").append(e.actor()).append("\", write fault) ").append(e.message());
                break;
            }
        }
        return sb.toString();
    }

    private static TraceEvent lastMove(ScenarioState state, String actor, long page) {
        List<TraceEvent> events = state.kernel.trace().events();
        for (int i = events.size() - 1; i >= 0; i--) {
            TraceEvent e = events.get(i);
            boolean kind = e.kind() == TraceKind.COW_COPY || e.kind() == TraceKind.UNSHARE || e.kind() == TraceKind.RECLAIM
                    || (e.kind() == TraceKind.FORK && e.message().contains("copied"));
            if (kind && (e.address() & ~(Kernel.PAGE_SIZE - 1L)) == page && (e.actor().equals(actor) || e.kind() != TraceKind.COW_COPY)) {
                return e;
            }
        }
        return null;
    }

    private static String role(ScenarioState state, Process p) {
        if (p == state.parent && state.child != null) {
            return "parent";
        }
        if (p == state.child) {
            return "child";
        }
        return "process \"" + p.name() + "\"";
    }

    private static String kind(TraceEvent e) {
        return switch (e.kind()) {
            case COW_COPY -> "write fault";
            case UNSHARE -> "unshare fault";
            case RECLAIM -> "reclaim";
            case FORK -> "fork";
            default -> e.kind().name();
        };
    }
}
