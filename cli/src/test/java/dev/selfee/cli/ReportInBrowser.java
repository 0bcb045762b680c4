package dev.selfee.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;

/**
 * Opens the demo's report.html in headless Chromium, offline: the DOM Chromium builds must hold
 * the plots (SVG with drawn lines), and a screenshot of the page must show them (not a blank page).
 * Without Chromium the check is skipped with a printed reason; CI installs it and sets
 * SELFEE_REQUIRE_CHROMIUM=1 so it cannot silently skip.
 */
final class ReportInBrowser {
    private ReportInBrowser() {}

    static void check(Path html, Path work) throws IOException, InterruptedException {
        Path chromium = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome").stream()
                .map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        if (chromium == null) {
            String why = "headless Chromium not installed (apt-get install chromium): report.html not rendered";
            if ("1".equals(System.getenv("SELFEE_REQUIRE_CHROMIUM"))) throw new AssertionError(why);
            System.out.println("SKIPPED: " + why);
            Assumptions.abort(why);
        }
        String dom = run(chromium, work, "--dump-dom", html.toUri().toString());
        int svgs = count(dom, "<svg"), lines = count(dom, "<polyline") + count(dom, "<path");
        assertTrue(svgs >= 2, "Chromium's DOM of report.html has " + svgs + " SVG plots");
        assertTrue(lines >= svgs, "the plots draw lines (" + lines + " polylines/paths in " + svgs + " SVGs)");
        assertTrue(dom.contains("<table"), "the report's tables are in the DOM");

        Path png = work.resolve("report.png");
        run(chromium, work, "--screenshot=" + png, "--window-size=1200,2400", html.toUri().toString());
        BufferedImage img = ImageIO.read(png.toFile());
        long inked = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) inked++;
        }
        double share = inked / (img.getWidth() / 2.0 * img.getHeight() / 2.0);
        assertTrue(share > 0.01, "the screenshot of report.html is nearly blank (" + share + " of pixels drawn)");
    }

    private static String run(Path chromium, Path work, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(work, "chromium")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 60 s: " + cmd);
        }
        assertEquals(0, p.exitValue(), "chromium failed: " + cmd);
        return out;
    }

    private static int count(String s, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(s);
        int n = 0;
        while (m.find()) n++;
        return n;
    }
}
