package dev.pollen.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * The suite's comparisons against the benchmark classes they name, without running JMH: each names a
 * {@code @Benchmark} method on {@code PairedTimes} that exists and pins every {@code @Param} JMH would otherwise vary
 * (so each comparison is one JMH trial), and ids are unique. And the interval arithmetic of {@link Outcome}.
 */
class SuiteTest {
    @Test
    void everyComparisonNamesAPairedBenchmarkAndPinsEachOfItsParameters() throws Exception {
        List<Comparison> all = Suite.all();
        assertEquals(all.size(), all.stream().map(Comparison::id).distinct().count(), "ids are unique");
        assertEquals(all.size(), Suite.full().comparisons().size(), "every benchmark is in this build");
        assertTrue(Suite.quick().comparisons().size() < all.size());
        for (Comparison c : all) {
            String className = c.benchmark().substring(0, c.benchmark().lastIndexOf('.'));
            String methodName = c.benchmark().substring(c.benchmark().lastIndexOf('.') + 1);
            Class<?> type = Class.forName(className);
            Method m = Arrays.stream(type.getMethods()).filter(x -> x.getName().equals(methodName)).findFirst()
                    .orElseThrow(() -> new AssertionError(c.id() + ": no method " + c.benchmark()));
            assertNotNull(m.getAnnotation(Benchmark.class), c.id() + " names a @Benchmark");
            assertTrue(Arrays.asList(m.getParameterTypes()).contains(Class.forName("dev.pollen.benchmarks.PairedTimes")),
                    c.id() + " is timed in pairs");
            // the parameters JMH sees: the benchmark class's own and those of the @State objects the method takes
            Map<String, Set<String>> declared = new TreeMap<>();
            Set<Class<?>> states = new java.util.LinkedHashSet<>();
            collectStates(type, states);
            Arrays.stream(m.getParameterTypes()).forEach(t -> collectStates(t, states));
            for (Class<?> k : states) {
                for (Field f : allFields(k)) {
                    Param p = f.getAnnotation(Param.class);
                    if (p != null) {
                        declared.put(f.getName(), new HashSet<>(Arrays.asList(p.value())));
                    }
                }
            }
            assertTrue(declared.keySet().containsAll(c.params().keySet()),
                    c.id() + " pins only parameters of " + type.getSimpleName() + ": " + declared.keySet());
            declared.forEach((name, values) -> assertTrue(values.size() < 2 || c.params().containsKey(name),
                    c.id() + " pins " + name + ", which takes " + values));
        }
    }

    /** @param type a @State class, with the states its @Setup methods take (JMH injects those too) */
    private static void collectStates(Class<?> type, Set<Class<?>> into) {
        if (type.getName().startsWith("java.") || type.getName().startsWith("org.openjdk.") || !into.add(type)) {
            return;
        }
        for (Method setup : type.getMethods()) {
            if (setup.getAnnotation(org.openjdk.jmh.annotations.Setup.class) != null) {
                Arrays.stream(setup.getParameterTypes()).forEach(t -> collectStates(t, into));
            }
        }
    }

    private static List<Field> allFields(Class<?> type) {
        List<Field> fields = new java.util.ArrayList<>();
        for (Class<?> k = type; k != null; k = k.getSuperclass()) {
            fields.addAll(Arrays.asList(k.getDeclaredFields()));
        }
        return fields;
    }

    @Test
    void theIntervalIsStudentsTOnTheLogRatios() {
        Comparison c = Suite.all().get(0);
        // logs -0.1, 0, 0.1: mean 0, sd 0.1, se 0.0577, t(2) = 4.303, half-width 0.2484
        Outcome o = new Outcome(c, List.of(Math.exp(-0.1), 1.0, Math.exp(0.1)), 1, 1, 0, null);
        assertEquals(1.0, o.ratio(), 1e-12);
        assertEquals(Math.exp(-4.303 * 0.1 / Math.sqrt(3)), o.ratioLow(), 1e-9);
        assertEquals(Math.exp(4.303 * 0.1 / Math.sqrt(3)), o.ratioHigh(), 1e-9);
        Outcome same = new Outcome(c, List.of(0.5, 0.5), 1, 1, 0, null);
        assertEquals(0.5, same.ratioLow(), 1e-12);
        assertEquals(0.5, same.ratioHigh(), 1e-12);
        assertTrue(c.goal().met(1.04) && !c.goal().met(1.06), "at most 1.05× the floor's time");
        Comparison djl = Suite.all().stream().filter(x -> x.id().equals("djl-fraud")).findFirst().orElseThrow();
        assertTrue(djl.goal().met(1 / 2.6) && !djl.goal().met(1 / 2.4), "at least 2.5× faster");
    }
}
