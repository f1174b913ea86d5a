package io.pinsim.junit;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.TraceKind;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.concurrent.Callable;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.MethodDelegation;
import net.bytebuddy.implementation.bind.annotation.Origin;
import net.bytebuddy.implementation.bind.annotation.RuntimeType;
import net.bytebuddy.implementation.bind.annotation.SuperCall;
import net.bytebuddy.matcher.ElementMatchers;

/** Creates a device as a ByteBuddy subclass whose chosen methods fail as {@link InjectFault}s say. */
final class FaultInjector {
    private FaultInjector() {
    }

    /** Counts the calls of one method and fails the chosen one. Public: the generated class calls it. */
    public static final class Interceptor {
        private final InjectFault fault;
        private final Kernel kernel;
        private int calls;

        Interceptor(InjectFault fault, Kernel kernel) {
            this.fault = fault;
            this.kernel = kernel;
        }

        @RuntimeType
        public Object intercept(@SuperCall Callable<?> original, @Origin Method method) throws Exception {
            calls++;
            if (fault.call() != 0 && calls != fault.call()) {
                return original.call();
            }
            String where = method.getDeclaringClass().getSimpleName() + "." + method.getName() + "() call " + calls;
            kernel.trace().record("fault-injection", TraceKind.INFO, -1, -1, "@InjectFault: " + where + " fails: " + describe());
            return switch (fault.fault()) {
                case RETURN_FALSE -> Boolean.FALSE;
                case RETURN_NULL -> null;
                case ERRNO -> throw new ErrnoException(fault.errno(), method.getName(), "injected by @InjectFault (" + where + ")");
            };
        }

        private String describe() {
            return switch (fault.fault()) {
                case RETURN_FALSE -> "returns false";
                case RETURN_NULL -> "returns null";
                case ERRNO -> "throws " + fault.errno();
            };
        }
    }

    /** A device of {@code type} with every applicable fault injected, constructed as {@code (kernel, name)}. */
    static <T> T create(Class<T> type, Kernel kernel, String name, List<InjectFault> faults) {
        try {
            if (faults.isEmpty()) {
                return type.getConstructor(Kernel.class, String.class).newInstance(kernel, name);
            }
            if (Modifier.isFinal(type.getModifiers())) {
                throw new IllegalArgumentException("@InjectFault needs a subclassable driver, but " + type.getName() + " is final");
            }
            DynamicType.Builder<T> b = new ByteBuddy().subclass(type);
            for (InjectFault f : faults) {
                Method m = find(type, f.method());
                if (f.fault() == InjectFault.Fault.RETURN_FALSE && m.getReturnType() != boolean.class && m.getReturnType() != Boolean.class) {
                    throw new IllegalArgumentException("@InjectFault(fault = RETURN_FALSE) needs a boolean method, but " + m + " returns " + m.getReturnType().getSimpleName());
                }
                b = b.method(ElementMatchers.named(f.method())).intercept(MethodDelegation.to(new Interceptor(f, kernel)));
            }
            Class<? extends T> sub = b.make().load(type.getClassLoader(), ClassLoadingStrategy.Default.WRAPPER).getLoaded();
            Constructor<? extends T> c = sub.getConstructor(Kernel.class, String.class);
            return c.newInstance(kernel, name);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type.getName() + " needs a public (Kernel, String) constructor to be injected", e);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("could not create " + type.getName() + ": " + cause, cause);
        }
    }

    private static Method find(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(name)) {
                    int mod = m.getModifiers();
                    if (Modifier.isPrivate(mod) || Modifier.isFinal(mod) || Modifier.isStatic(mod) || (!Modifier.isPublic(mod) && !Modifier.isProtected(mod))) {
                        throw new IllegalArgumentException("@InjectFault cannot override " + m + ": make it public or protected, not final, private or static");
                    }
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("@InjectFault: " + type.getName() + " has no method \"" + name + "\"");
    }
}
