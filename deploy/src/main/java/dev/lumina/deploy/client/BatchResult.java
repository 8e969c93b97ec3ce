package dev.lumina.deploy.client;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One line of {@code results.jsonl}: what became of one input line. {@code state} is the job's
 * final state name ({@code SUCCEEDED}, {@code FAILED}, ...), or {@code REFUSED} / {@code INVALID}
 * when no job ran (the gateway refused the request, or the line did not parse).
 */
record BatchResult(
    int line,
    String requestId,
    String jobId,
    String state,
    List<String> files,
    String seed,
    Map<String, Long> timings,
    String error) {

  static final String FILE = "results.jsonl";
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  boolean succeeded() {
    return "SUCCEEDED".equals(state);
  }

  /** Whether this line needs no new run: it succeeded and every file it wrote is still there. */
  boolean complete(Path dir) {
    return succeeded()
        && files != null
        && files.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)));
  }

  String toJson() {
    return GSON.toJson(this);
  }

  /**
   * The results in {@code dir}'s {@code results.jsonl} by input line, the last record of a line
   * winning; none when the file is missing. A damaged line (a crash mid-write) is skipped.
   */
  static Map<Integer, BatchResult> read(Path dir) throws IOException {
    Map<Integer, BatchResult> out = new TreeMap<>();
    Path f = dir.resolve(FILE);
    if (!Files.exists(f)) {
      return out;
    }
    for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      if (l.isBlank()) {
        continue;
      }
      try {
        BatchResult r = GSON.fromJson(l, BatchResult.class);
        if (r != null && r.line() > 0) {
          out.put(r.line(), r);
        }
      } catch (JsonParseException e) {
        // Written half when the previous run stopped: that line runs again.
      }
    }
    return out;
  }
}
