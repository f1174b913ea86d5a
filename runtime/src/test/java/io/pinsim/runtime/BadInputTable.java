package io.pinsim.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.pinsim.runtime.trace.Trace;
import io.pinsim.runtime.trace.TraceEvent;
import io.pinsim.runtime.trace.TraceKind;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DynamicTest;

/**
 * A table of calls with bad input and what each must do (project issue 11): the kernel's errno, or
 * a Java exception thrown at the entry whose message names the fix, or - for an edge that is valid -
 * a normal return. A refused call changes nothing: {@code state} (every mapping, PTE, frame and
 * counter) is the same afterwards; a misuse leaves the trace as it was, an errno adds at most the
 * refused call and its ERRNO event.
 *
 * <p>Rows are grouped by method: {@link #method} takes a valid call (receiver and arguments), rows
 * then replace the receiver or an argument. A null row is made for every reference parameter, and
 * expects a {@link NullPointerException} from {@code Objects.requireNonNull} named after the
 * parameter as the API declares it. {@link #missingRows} lists the public methods with no row, so a
 * new method must get rows (or be listed as taking no input).
 *
 * <p>Public, in the runtime's test jar, so that the devices' and the DSL's tables use the same
 * harness.
 *
 * @param <F> the fixture: the objects a row works on, built fresh for each row
 */
public final class BadInputTable<F> {
    /** What a row expects. */
    public record Expect(Kind kind, Class<? extends Throwable> type, Object code, String text, String effect, Consumer<Object> then) {
        public enum Kind { ERRNO, MISUSE, BUG, SIGNAL, FAULT, OK }

        public Expect(Kind kind, Class<? extends Throwable> type, Object code, String text) {
            this(kind, type, code, text, null, null);
        }

        /** The errno comes after a partial effect the kernel leaves too (and the API's javadoc names): the state is not compared. */
        public Expect leaving(String partialEffect) {
            return new Expect(kind, type, code, text, partialEffect, then);
        }

        /** For a call that returns: what must hold of its result (a DSL step that recorded the kernel's errno). */
        public Expect then(Consumer<Object> check) {
            return new Expect(kind, type, code, text, effect, check);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case ERRNO -> String.valueOf(code);
                case MISUSE -> type.getSimpleName();
                case BUG -> "BUG " + code;
                case SIGNAL -> String.valueOf(code);
                case FAULT -> type.getSimpleName();
                case OK -> "ok";
            };
        }
    }

    public static Expect errno(Errno errno, String reason) {
        return new Expect(Expect.Kind.ERRNO, ErrnoException.class, errno, reason);
    }

    public static Expect iae(String message) {
        return new Expect(Expect.Kind.MISUSE, IllegalArgumentException.class, null, message);
    }

    public static Expect ise(String message) {
        return new Expect(Expect.Kind.MISUSE, IllegalStateException.class, null, message);
    }

    public static Expect ioobe(String message) {
        return new Expect(Expect.Kind.MISUSE, IndexOutOfBoundsException.class, null, message);
    }

    public static Expect npe(String parameter) {
        return new Expect(Expect.Kind.MISUSE, NullPointerException.class, null, parameter);
    }

    /** The model's report of a kernel BUG (a refcount underflow, a use after free), as the kernel would oops. */
    public static Expect bug(String invariant) {
        return new Expect(Expect.Kind.BUG, KernelBugException.class, invariant, invariant);
    }

    /** A CPU access that faults: not a refusal, the process is killed. */
    public static Expect signal(Signal signal) {
        return new Expect(Expect.Kind.SIGNAL, SignalException.class, signal, null);
    }

    /** A fault reported instead of a refusal (an IOMMU fault, a DSL assertion): the call is blocked and changes nothing but the log and trace. */
    public static Expect fault(Class<? extends Throwable> type, String message) {
        return new Expect(Expect.Kind.FAULT, type, null, message);
    }

    /** A valid edge (a zero length, a read past EOF): the call returns; {@code why} says why it is valid. */
    public static Expect ok(String why) {
        return new Expect(Expect.Kind.OK, null, null, why);
    }

    /** Computes a receiver or an argument from the fixture. */
    @FunctionalInterface
    public interface Fn<F> {
        Object apply(F f) throws Exception;
    }

    /** Computes the arguments of a call from the fixture. */
    @FunctionalInterface
    public interface Args<F> {
        Object[] apply(F f) throws Exception;
    }

    /** One row: a call and what it must do. */
    public record Row<F>(String type, Executable member, String input, Expect expect, Fn<F> receiver, Args<F> args, boolean nested) {
        public String key() {
            return key(member);
        }

        public static String key(Executable m) {
            String name = m instanceof Constructor<?> ? "<init>" : m.getName();
            return name + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(",", "(", ")"));
        }

        @Override
        public String toString() {
            return type + "." + key() + " " + input + " -> " + expect;
        }
    }

    private final Supplier<F> fixture;
    private final Function<F, String> state;
    private final Function<F, List<Trace>> traces;
    private final List<Row<F>> rows = new ArrayList<>();
    private final Map<Class<?>, TreeSet<String>> noInput = new LinkedHashMap<>();
    private final List<Class<?>> types = new ArrayList<>();
    private final java.util.Set<Class<?>> ownOnly = new java.util.HashSet<>();

    public BadInputTable(Supplier<F> fixture, Function<F, String> state, Function<F, List<Trace>> traces) {
        this.fixture = fixture;
        this.state = state;
        this.traces = traces;
    }

    /** A type whose every public method (and constructor) must have a row or be listed as taking no input. */
    public BadInputTable<F> type(Class<?> type) {
        types.add(type);
        return this;
    }

    /** A type whose own public methods (not those it inherits, which another type's rows cover) must have rows. */
    public BadInputTable<F> ownMethodsOf(Class<?> type) {
        ownOnly.add(type);
        return type(type);
    }

    /** Methods that take no input (getters): nothing to feed them, listed so the completeness check knows. */
    public BadInputTable<F> noInput(Class<?> type, String... keys) {
        noInput.computeIfAbsent(type, t -> new TreeSet<>()).addAll(List.of(keys));
        return this;
    }

    /**
     * The rows of one method, starting from a valid call. {@code key} is {@code name(Type,Type)}
     * with simple type names, {@code <init>(..)} for a constructor.
     */
    public Spec method(Class<?> type, String key, Fn<F> receiver, Args<F> validArgs) {
        Executable m = find(type, key);
        return new Spec(type, m, receiver, validArgs);
    }

    /** A static method or a constructor: no receiver. */
    public Spec method(Class<?> type, String key, Args<F> validArgs) {
        return method(type, key, f -> null, validArgs);
    }

    public static Object[] args(Object... a) {
        return a;
    }

    private static Executable find(Class<?> type, String key) {
        for (Executable m : publicMembers(type)) {
            if (Row.key(m).equals(key)) {
                return m;
            }
        }
        throw new IllegalArgumentException(type.getSimpleName() + " has no public " + key + "; its members: "
                + publicMembers(type).stream().map(Row::key).sorted().toList());
    }

    /**
     * The public methods a user can call on the type (not Object's, nor its overrides of them), and
     * its public constructors. A bridge counts only where javac made it to publish a public method
     * of a package-private superclass (the DSL's steps), not for a generic override.
     */
    public static List<Executable> publicMembers(Class<?> type) {
        List<Executable> out = new ArrayList<>();
        Method[] all = type.getMethods();
        for (Method m : all) {
            boolean bridge = m.isBridge() && Arrays.stream(all).anyMatch(o -> !o.isBridge() && o.getName().equals(m.getName())
                    && Arrays.equals(o.getParameterTypes(), m.getParameterTypes()));
            if (m.getDeclaringClass() != Object.class && !bridge && !overridesObject(m)
                    && (!Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == type)) {
                out.add(m);
            }
        }
        if (!type.isInterface() && !Modifier.isAbstract(type.getModifiers())) {
            out.addAll(Arrays.asList(type.getConstructors()));
        }
        return out;
    }

    private static boolean overridesObject(Method m) {
        try {
            Object.class.getMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** The rows of one method: the null rows are made when the next method starts (or the table is read). */
    public final class Spec {
        private final Class<?> type;
        private final Executable member;
        private final Fn<F> receiver;
        private final Args<F> validArgs;
        private final Map<Integer, Expect> nullExpect = new LinkedHashMap<>();

        public Spec(Class<?> type, Executable member, Fn<F> receiver, Args<F> validArgs) {
            this.type = type;
            this.member = member;
            this.receiver = receiver;
            this.validArgs = validArgs;
            Parameter[] ps = member.getParameters();
            for (int i = 0; i < ps.length; i++) {
                if (!ps[i].getType().isPrimitive()) {
                    if (!ps[i].isNamePresent()) {
                        throw new IllegalStateException("compile with -parameters: " + member);
                    }
                    nullExpect.put(i, npe(ps[i].getName()));
                }
            }
            pending.add(this);
        }

        /** A null for this parameter is valid: {@code why}. */
        public Spec nullOk(String parameter, String why) {
            return nullExpect(parameter, ok(why));
        }

        /** A null for this parameter does something else than NullPointerException. */
        public Spec nullExpect(String parameter, Expect e) {
            Parameter[] ps = member.getParameters();
            for (int i = 0; i < ps.length; i++) {
                if (ps[i].getName().equals(parameter)) {
                    nullExpect.put(i, e);
                    return this;
                }
            }
            throw new IllegalArgumentException(member + " has no parameter " + parameter);
        }

        /** Argument {@code index} replaced by {@code value}. */
        public Spec bad(String input, Expect e, int index, Object value) {
            return bad(input, e, index, f -> value);
        }

        /** Argument {@code index} replaced by a value computed from the fixture (an object of another kernel, a dead handle). */
        public Spec bad(String input, Expect e, int index, Fn<F> value) {
            rows.add(new Row<>(type.getSimpleName(), member, input, e, receiver, f -> {
                Object[] a = validArgs.apply(f).clone();
                a[index] = value.apply(f);
                return a;
            }, false));
            return this;
        }

        /** All arguments replaced. */
        public Spec bad(String input, Expect e, Args<F> allArgs) {
            rows.add(new Row<>(type.getSimpleName(), member, input, e, receiver, allArgs, false));
            return this;
        }

        /** The receiver replaced (a dead process, a closed file, released pages), valid arguments. */
        public Spec on(String input, Expect e, Fn<F> otherReceiver) {
            rows.add(new Row<>(type.getSimpleName(), member, input, e, otherReceiver, validArgs, false));
            return this;
        }

        /** Receiver and arguments replaced. */
        public Spec on(String input, Expect e, Fn<F> otherReceiver, Args<F> allArgs) {
            rows.add(new Row<>(type.getSimpleName(), member, input, e, otherReceiver, allArgs, false));
            return this;
        }

        /**
         * An errno from deep in a real call (GUP refusing a page after the device charged its
         * memlock, GUP-fast falling back to the slow path): the trace shows the calls it made and
         * the rollback, then the ERRNO; nothing else changes.
         */
        public Spec nested(String input, Expect e, Args<F> allArgs) {
            rows.add(new Row<>(type.getSimpleName(), member, input, e, receiver, allArgs, true));
            return this;
        }

        public void flushNulls() {
            for (Map.Entry<Integer, Expect> n : nullExpect.entrySet()) {
                int i = n.getKey();
                String name = member.getParameters()[i].getName();
                rows.add(new Row<>(type.getSimpleName(), member, "null " + name, n.getValue(), receiver, f -> {
                    Object[] a = validArgs.apply(f).clone();
                    a[i] = null;
                    return a;
                }, false));
            }
        }
    }

    private final List<Spec> pending = new ArrayList<>();
    private final java.util.Set<Executable> nullsMade = new java.util.HashSet<>();

    public List<Row<F>> rows() {
        for (Spec s : pending) {
            if (nullsMade.add(s.member)) {
                s.flushNulls();
            }
        }
        pending.clear();
        return rows;
    }

    /** Public members of the registered types that have neither a row nor a "no input" entry. */
    public List<String> missingRows() {
        List<String> missing = new ArrayList<>();
        for (Class<?> t : types) {
            TreeSet<String> covered = new TreeSet<>(noInput.getOrDefault(t, new TreeSet<>()));
            for (Row<F> r : rows()) {
                if (r.type().equals(t.getSimpleName())) {
                    covered.add(r.key());
                }
            }
            for (Executable m : publicMembers(t)) {
                if (!covered.contains(Row.key(m)) && (!ownOnly.contains(t) || m.getDeclaringClass() == t)) {
                    missing.add(t.getSimpleName() + "." + Row.key(m));
                }
            }
        }
        return missing;
    }

    /** "No input" entries that name no public member: a typo, or a method that went away. */
    public List<String> staleNoInput() {
        List<String> stale = new ArrayList<>();
        for (Map.Entry<Class<?>, TreeSet<String>> e : noInput.entrySet()) {
            List<String> keys = publicMembers(e.getKey()).stream().map(Row::key).toList();
            for (String k : e.getValue()) {
                if (!keys.contains(k)) {
                    stale.add(e.getKey().getSimpleName() + "." + k);
                }
            }
        }
        return stale;
    }

    /** Methods per type with at least one row, and the number of rows. */
    public Map<String, long[]> coverage() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Class<?> t : types) {
            List<Row<F>> mine = rows().stream().filter(r -> r.type().equals(t.getSimpleName())).toList();
            long methods = mine.stream().map(Row::key).distinct().count() + noInput.getOrDefault(t, new TreeSet<>()).size();
            out.put(t.getSimpleName(), new long[] {methods, mine.size()});
        }
        return out;
    }

    public List<DynamicTest> tests() {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.toString(), () -> check(r))).toList();
    }

    private void check(Row<F> r) throws Exception {
        F f = fixture.get();
        Object receiver = r.receiver().apply(f);
        Object[] args = coerce(r.member(), r.args().apply(f));
        String before = state.apply(f);
        List<Trace> ts = traces.apply(f);
        int[] sizes = ts.stream().mapToInt(t -> t.events().size()).toArray();
        Throwable thrown = null;
        Object result = null;
        try {
            if (r.member() instanceof Method m) {
                result = m.invoke(receiver, args);
            } else {
                result = ((Constructor<?>) r.member()).newInstance(args);
            }
        } catch (InvocationTargetException e) {
            thrown = e.getCause();
        }
        Expect e = r.expect();
        if (e.kind() == Expect.Kind.OK) {
            if (thrown != null) {
                throw new AssertionError(r + ": expected the call to return (" + e.text() + ") but it threw", thrown);
            }
            if (e.then() != null) {
                e.then().accept(result);
            }
            return;
        }
        if (thrown == null) {
            fail(r + ": expected " + e + " (" + e.text() + ") but the call returned: silent success on bad input");
        }
        switch (e.kind()) {
            case ERRNO -> {
                assertThat(thrown).as(r.toString()).isInstanceOf(ErrnoException.class);
                ErrnoException x = (ErrnoException) thrown;
                assertThat(x.errno()).as(r + ": " + x.getMessage()).isEqualTo(e.code());
                assertThat(x.reason()).as(r.toString()).contains(e.text());
            }
            case MISUSE -> {
                if (thrown.getClass() != e.type()) {
                    throw new AssertionError(r + ": expected " + e.type().getSimpleName() + " but got", thrown);
                }
                StackTraceElement top = thrown.getStackTrace()[0];
                if (e.type() == NullPointerException.class) {
                    assertThat(thrown.getMessage()).as(r + ": the NPE names the parameter").isEqualTo(e.text());
                    assertThat(top.getClassName() + "." + top.getMethodName()).as(r + ": thrown by Objects.requireNonNull at the entry, not from inside")
                            .isEqualTo("java.util.Objects.requireNonNull");
                } else {
                    assertThat(thrown.getMessage()).as(r.toString()).contains(e.text());
                    assertThat(top.getClassName()).as(r + ": thrown by pinsim at the entry, not from inside the JDK: " + top).startsWith("io.pinsim.");
                }
            }
            case BUG -> {
                if (!(thrown instanceof KernelBugException b)) {
                    throw new AssertionError(r + ": expected a KernelBugException but got", thrown);
                }
                assertThat(b.invariant()).as(r.toString()).isEqualTo(e.code());
            }
            case FAULT -> {
                if (!e.type().isInstance(thrown)) {
                    throw new AssertionError(r + ": expected " + e.type().getSimpleName() + " but got", thrown);
                }
                assertThat(thrown.getMessage()).as(r.toString()).contains(e.text());
            }
            case SIGNAL -> {
                if (!(thrown instanceof SignalException s)) {
                    throw new AssertionError(r + ": expected a SignalException but got", thrown);
                }
                assertThat(s.signal()).as(r.toString()).isEqualTo(e.code());
                return;
            }
            default -> throw new IllegalStateException(e.kind().name());
        }
        if (e.effect() == null) {
            assertThat(state.apply(f)).as(r + ": a refused call changes nothing").isEqualTo(before);
        }
        for (int i = 0; i < ts.size(); i++) {
            List<TraceEvent> added = ts.get(i).events().subList(sizes[i], ts.get(i).events().size());
            if (e.kind() == Expect.Kind.MISUSE) {
                assertThat(added).as(r + ": API misuse leaves the trace alone").isEmpty();
            } else if (e.kind() == Expect.Kind.ERRNO && !added.isEmpty() && e.effect() == null) {
                assertThat(added.get(0).kind()).as(r + ": the trace goes on with the call " + added).isEqualTo(TraceKind.CALL);
                assertThat(added.get(added.size() - 1).kind()).as(r + ": and ends with its ERRNO " + added).isEqualTo(TraceKind.ERRNO);
                if (!r.nested()) {
                    assertThat(added).as(r + ": only the refused call and its ERRNO event").hasSize(2);
                }
            }
        }
    }

    /** Boxed numbers to the primitive type the parameter takes (an int literal for a long parameter). */
    private static Object[] coerce(Executable m, Object[] args) {
        Class<?>[] types = m.getParameterTypes();
        if (args.length != types.length) {
            throw new IllegalArgumentException(m + " takes " + types.length + " arguments, the row gives " + args.length);
        }
        Object[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] instanceof Number n) {
                if (types[i] == long.class) {
                    out[i] = n.longValue();
                } else if (types[i] == int.class) {
                    if (n.longValue() != n.intValue()) {
                        throw new IllegalArgumentException(m + ": argument " + i + " = " + n + " does not fit an int");
                    }
                    out[i] = n.intValue();
                } else if (types[i] == byte.class) {
                    out[i] = n.byteValue();
                }
            }
        }
        return out;
    }
}
