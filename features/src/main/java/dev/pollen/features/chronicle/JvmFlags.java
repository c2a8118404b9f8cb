package dev.pollen.features.chronicle;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The JVM flags Pollen needs (Chronicle Map and Agrona reach into JDK internals on Java 17; Chronicle's analytics
 * must be off). They are defined once, as {@code pollen.jvm.flags} in the parent {@code pom.xml}, and copied into
 * the resource {@code dev/pollen/jvm.flags} at build time, which the launcher, the JMH runner and Surefire use.
 *
 * <p>{@link #requireAll(String)} fails fast, naming every missing flag, instead of letting a library fail later
 * with an obscure {@code IllegalAccessError}.
 */
public final class JvmFlags {
    private static final String RESOURCE = "/dev/pollen/jvm.flags";

    private JvmFlags() {
    }

    /** @return the flags, in the order the parent pom lists them */
    public static List<String> required() {
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new PollenException(ErrorCategory.CONFIGURATION, "resource " + RESOURCE + " is missing from the"
                        + " runtime jar; rebuild with mvn package");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return Arrays.stream(text.split("\\s+")).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.CONFIGURATION, "cannot read " + RESOURCE + ": " + e, e);
        }
    }

    /** @return the required flags that are not in effect in this JVM */
    public static List<String> missing() {
        List<String> missing = new ArrayList<>();
        Module unnamed = JvmFlags.class.getClassLoader().getUnnamedModule();
        for (String flag : required()) {
            if (!inEffect(flag, unnamed)) {
                missing.add(flag);
            }
        }
        return missing;
    }

    private static boolean inEffect(String flag, Module to) {
        if (flag.startsWith("-D")) {
            String[] kv = flag.substring(2).split("=", 2);
            return (kv.length == 2 ? kv[1] : "").equals(System.getProperty(kv[0]));
        }
        boolean opens = flag.startsWith("--add-opens=");
        boolean exports = flag.startsWith("--add-exports=");
        if (!opens && !exports) {
            return true;
        }
        String spec = flag.substring(flag.indexOf('=') + 1);
        String modulePackage = spec.substring(0, spec.indexOf('='));
        String moduleName = modulePackage.substring(0, modulePackage.indexOf('/'));
        String pkg = modulePackage.substring(modulePackage.indexOf('/') + 1);
        Optional<Module> module = ModuleLayer.boot().findModule(moduleName);
        if (module.isEmpty()) {
            return true;
        }
        return opens ? module.get().isOpen(pkg, to) : module.get().isExported(pkg, to);
    }

    /**
     * @param purpose what needs the flags, for the message (such as {@code the Chronicle Map feature store})
     * @throws PollenException {@link ErrorCategory#CONFIGURATION} naming every missing flag
     */
    public static void requireAll(String purpose) {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw new PollenException(ErrorCategory.CONFIGURATION, purpose + " needs these JVM flags, which are"
                    + " missing: " + String.join(" ", missing) + ". Start the JVM with all of: "
                    + String.join(" ", required()) + " (the Maven build adds them; java -jar pollen.jar carries them in its manifest)");
        }
    }
}
