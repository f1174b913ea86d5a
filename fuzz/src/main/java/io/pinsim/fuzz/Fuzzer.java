package io.pinsim.fuzz;

import io.pinsim.devices.IommuFaultException;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.SignalException;
import io.pinsim.runtime.WouldBlockException;
import io.pinsim.runtime.model.DirtyWithoutBuffersWriteback;
import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * syzkaller's idea over pinsim's API: seeded random sequences of operations over the public
 * runtime API and the devices, run on every kernel model with the invariants on, each exception
 * classified, a leak check ({@code Kernel.close()}: every process exits, then kmemleak) after every
 * sequence, and every failure shrunk by delta debugging to a minimal sequence printed as a
 * ready-to-paste JUnit regression test.
 *
 * <p>What is fine: a documented errno ({@link ErrnoException}), a fatal signal for a bad access
 * ({@link SignalException}), an IOMMU fault ({@link IommuFaultException}), a plain call that would
 * sleep on a lock a stepped operation in progress holds ({@link WouldBlockException}: thrown before
 * anything changes), and a
 * {@link KernelBugException} that is a kernel bug the model documents (the ext4 BUG for a dirty
 * page without buffers on models where {@link DirtyWithoutBuffersWriteback#BUG}). Anything else -
 * another KernelBugException (an invariant), a leak, an IllegalArgumentException or
 * IllegalStateException (the fuzzer only makes valid calls), any other exception - is a failure.
 *
 * <p>Sequence {@code n} of a run with seed {@code s} is a pure function of {@code (s, n)}: the same
 * seed gives the same sequences, operations and outcomes, byte for byte.
 */
public final class Fuzzer {
    /** Operations per sequence. */
    public static final int LENGTH = 40;

    private final long seed;
    private final java.util.function.Consumer<io.pinsim.runtime.Kernel> extraCheck;

    /** A fuzzer whose sequences derive from this seed. */
    public Fuzzer(long seed) {
        this(seed, k -> { });
    }

    /**
     * A fuzzer with an extra check after every operation (for the fuzzer's own tests: a check that
     * throws makes a failure the shrinker must minimize).
     */
    Fuzzer(long seed, java.util.function.Consumer<io.pinsim.runtime.Kernel> extraCheck) {
        this.seed = seed;
        this.extraCheck = extraCheck;
    }

    /** The outcome of one sequence. */
    public record Result(long index, KernelModel model, List<Op> ops, Failure failure, int applied, int refused) {
        /** Whether the sequence ran without a failure. */
        public boolean ok() {
            return failure == null;
        }
    }

    /**
     * A failure: its signature (what kind of failure, without addresses or numbers, for delta
     * debugging to keep it the same) and the exception.
     */
    public record Failure(String signature, Throwable cause, int atOp) {
    }

    /** The shipped kernels' models, then the proposals' ({@link KernelModel#proposals()}). */
    private static final List<KernelModel> MODELS = java.util.stream.Stream.concat(KernelModel.all().stream(), KernelModel.proposals().stream()).toList();

    /** The model sequence {@code index} runs on: the five kernel models and the proposal models in turn. */
    public static KernelModel modelFor(long index) {
        return MODELS.get((int) Math.floorMod(index, MODELS.size()));
    }

    /** The operations of sequence {@code index}. */
    public List<Op> generate(long index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        List<Op> ops = new ArrayList<>(LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            ops.add(new Op(pick(r), r.nextInt(16), r.nextInt(64), r.nextInt(1 << 12), r.nextInt(1 << 12)));
        }
        return ops;
    }

    /** Weights: memory and GUP often, GPU work, stepped operations and amdkfd in their own groups, the rarer subsystems less, the destructive ones rarely. */
    private static Op.Kind pick(SplittableRandom r) {
        int x = r.nextInt(100);
        Op.Kind[] common = {Op.Kind.MMAP_ANON, Op.Kind.MMAP_ANON, Op.Kind.WRITE, Op.Kind.WRITE, Op.Kind.READ, Op.Kind.GUP, Op.Kind.GUP, Op.Kind.UNPIN, Op.Kind.FORK,
            Op.Kind.DMA_WRITE, Op.Kind.MADVISE, Op.Kind.RECLAIM, Op.Kind.MUNMAP, Op.Kind.MPROTECT, Op.Kind.MMAP_FIXED, Op.Kind.FILL, Op.Kind.DMA_READ,
            Op.Kind.THP_SETTING};
        if (x < 52) {
            return common[r.nextInt(common.length)];
        }
        if (x < 59) {
            // a GPU job needs a BO, a submission and a completion in one sequence: drawn together often enough
            Op.Kind[] gpu = {Op.Kind.GPU_USERPTR, Op.Kind.GPU_USERPTR, Op.Kind.GPU_VRAM_BO, Op.Kind.GPU_SUBMIT, Op.Kind.GPU_SUBMIT, Op.Kind.GPU_SUBMIT,
                Op.Kind.GPU_COMPLETE, Op.Kind.GPU_COMPLETE, Op.Kind.GPU_HANG, Op.Kind.GPU_FREE_BO};
            return gpu[r.nextInt(gpu.length)];
        }
        if (x < 67) {
            // stepped operations interleave only if started and advanced in one sequence; memfd and files give the file ones something to work on
            Op.Kind[] stepped = {Op.Kind.GUP_SLOW_STEPS, Op.Kind.WRITE_FAULT_STEPS, Op.Kind.MUNMAP_STEPS, Op.Kind.MADVISE_STEPS, Op.Kind.WRITEBACK_STEPS,
                Op.Kind.RECLAIM_STEPS, Op.Kind.TRUNCATE_STEPS, Op.Kind.PUNCH_HOLE_STEPS, Op.Kind.DIO_READ_STEPS, Op.Kind.REG_MR_STEPS, Op.Kind.ODP_ADVISE_STEPS,
                Op.Kind.STEP, Op.Kind.STEP, Op.Kind.STEP, Op.Kind.STEP, Op.Kind.MEMFD_CREATE, Op.Kind.MMAP_FILE, Op.Kind.OPEN, Op.Kind.FILE_WRITE_USER,
                Op.Kind.MEMFD_FALLOCATE, Op.Kind.MEMFD_SEAL, Op.Kind.DEFERRED_SPLIT_SCAN};
            return stepped[r.nextInt(stepped.length)];
        }
        if (x < 70) {
            Op.Kind[] kfd = {Op.Kind.KFD_USERPTR, Op.Kind.KFD_QUEUE, Op.Kind.KFD_DISPATCH, Op.Kind.KFD_DISPATCH, Op.Kind.KFD_RESTORE, Op.Kind.KFD_SVM, Op.Kind.KFD_FREE};
            return kfd[r.nextInt(kfd.length)];
        }
        Op.Kind[] all = Op.Kind.values();
        return all[r.nextInt(all.length)];
    }

    /** Runs sequence {@code index}: generate, run, tear down, check for leaks. */
    public Result run(long index) {
        KernelModel model = modelFor(index);
        List<Op> ops = generate(index);
        return run(index, model, ops, false).result;
    }

    /** A run's result and, when rendered, the Java it executed. */
    record Run(Result result, List<String> java) {
    }

    Run run(long index, KernelModel model, List<Op> ops, boolean render) {
        World w;
        try {
            w = new World(model, render);
        } catch (RuntimeException e) {
            return new Run(new Result(index, model, ops, failure(e, -1), 0, 0), List.of());
        }
        int applied = 0;
        int refused = 0;
        for (int i = 0; i < ops.size(); i++) {
            try {
                if (w.apply(ops.get(i))) {
                    applied++;
                }
                extraCheck.accept(w.kernel);
            } catch (RuntimeException | AssertionError e) {
                Verdict v = classify(e, model);
                if (v == Verdict.FINE) {
                    refused++;
                    continue;
                }
                if (v == Verdict.DOCUMENTED_BUG) {
                    return new Run(new Result(index, model, ops, null, applied, refused), w.java);
                }
                return new Run(new Result(index, model, ops, failure(e, i), applied, refused), w.java);
            }
        }
        try {
            new Teardown(w).run();
        } catch (RuntimeException | AssertionError e) {
            if (classify(e, model) == Verdict.DOCUMENTED_BUG) {
                return new Run(new Result(index, model, ops, null, applied, refused), w.java);
            }
            return new Run(new Result(index, model, ops, failure(e, ops.size()), applied, refused), w.java);
        }
        return new Run(new Result(index, model, ops, null, applied, refused), w.java);
    }

    enum Verdict { FINE, DOCUMENTED_BUG, FAILURE }

    static Verdict classify(Throwable e, KernelModel model) {
        if (e instanceof ErrnoException || e instanceof SignalException || e instanceof IommuFaultException || e instanceof WouldBlockException) {
            return Verdict.FINE;
        }
        if (e instanceof KernelBugException k && k.invariant().equals("ext4-dirty-page-without-buffers")
                && model.get(DirtyWithoutBuffersWriteback.class) == DirtyWithoutBuffersWriteback.BUG) {
            return Verdict.DOCUMENTED_BUG;
        }
        return Verdict.FAILURE;
    }

    static Failure failure(Throwable e, int atOp) {
        String sig = e.getClass().getSimpleName();
        if (e instanceof KernelBugException k) {
            sig += ":" + k.invariant();
        } else {
            String m = Objects.requireNonNullElse(e.getMessage(), "");
            int nl = m.indexOf('\n');
            sig += ":" + (nl < 0 ? m : m.substring(0, nl)).replaceAll("0x[0-9a-f]+|\\d+", "N");
        }
        return new Failure(sig, e, atOp);
    }

    /**
     * Delta debugging (Zeller's ddmin) over the operations: the smallest subsequence found that
     * fails with the same signature.
     */
    public List<Op> shrink(Result failed) {
        String sig = failed.failure().signature();
        List<Op> cur = new ArrayList<>(failed.ops().subList(0, Math.min(failed.ops().size(), failed.failure().atOp() + 1)));
        if (!fails(failed, cur, sig)) {
            cur = new ArrayList<>(failed.ops());
        }
        int n = 2;
        while (cur.size() >= 2) {
            int chunk = (int) Math.ceil(cur.size() / (double) n);
            boolean reduced = false;
            for (int start = 0; start < cur.size(); start += chunk) {
                List<Op> complement = new ArrayList<>(cur.subList(0, start));
                complement.addAll(cur.subList(Math.min(cur.size(), start + chunk), cur.size()));
                if (!complement.isEmpty() && fails(failed, complement, sig)) {
                    cur = complement;
                    n = Math.max(n - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (n >= cur.size()) {
                    break;
                }
                n = Math.min(cur.size(), n * 2);
            }
        }
        return cur;
    }

    private boolean fails(Result failed, List<Op> ops, String sig) {
        Result r = run(failed.index(), failed.model(), ops, false).result;
        return r.failure() != null && r.failure().signature().equals(sig);
    }

    /** The shrunk failure as a ready-to-paste JUnit 5 test (or, for a replay, a passing sequence). */
    public String regressionTest(Result failed, List<Op> minimal) {
        Run r = run(failed.index(), failed.model(), minimal, true);
        StringBuilder sb = new StringBuilder();
        sb.append("    /** Found by the fuzzer: seed ").append(seed).append(", sequence ").append(failed.index()).append(" on ").append(failed.model().name())
                .append(", shrunk from ").append(failed.ops().size()).append(" to ").append(minimal.size()).append(" operations.\n")
                .append(failed.failure() == null ? "     *  It passes (a replay prints a passing sequence too). */\n"
                        : "     *  It failed with: " + failed.failure().signature().replace("*/", "* /") + " */\n");
        sb.append("    @Test\n    void fuzzSeed").append(seed).append("Sequence").append(failed.index()).append("() {\n");
        for (String line : r.java()) {
            sb.append("        ").append(line).append('\n');
        }
        sb.append("        k.close(); // every process exits; then the invariants and the leak check\n    }\n\n");
        sb.append("    // helpers the test uses\n");
        sb.append("    static void tolerate(Runnable call) {\n        try {\n            call.run();\n        } catch (ErrnoException | SignalException | IommuFaultException e) {\n"
                + "            // refused as the kernel refuses: the fuzzer tolerated it too\n        }\n    }\n\n");
        sb.append("    static byte[] fill(char c, int n) {\n        byte[] b = new byte[n];\n        java.util.Arrays.fill(b, (byte) c);\n        return b;\n    }\n");
        return sb.toString();
    }
}
