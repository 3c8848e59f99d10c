package org.tapbridge.integration;

import java.util.ArrayList;
import java.util.List;
import org.tapbridge.testing.Netns;

/** The argv of a small helper program run inside a namespace on this test run's JVM and classpath. */
final class HelperJvm {
    private HelperJvm() {
    }

    /** {@code main}'s class run inside {@code ns} with {@code args}: small heap, C1 only, for quick starts. */
    static String[] command(Netns ns, Class<?> main, List<String> args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classpath, main.getName()));
        cmd.addAll(args);
        return ns.inside(cmd.toArray(new String[0]));
    }
}
