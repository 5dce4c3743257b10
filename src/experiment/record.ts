import type { ProfileFileKind, ProfileRecord } from "../results/model";
import { ResultsWriter, writeProfileFiles } from "../results/writer";
import type { EventBus } from "../util/events";
import type { RunEvents } from "./events";

/**
 * The results writer as a subscriber of a run: every event becomes files in the run directory (and the
 * profile files under profiles/<runId>/). Returns the writer once run:start has created it.
 */
export function recordResults(events: EventBus<RunEvents>): { writer: () => ResultsWriter | null; detach: () => void } {
  let writer: ResultsWriter | null = null;
  let profilesDir = "";
  const offs = [
    events.on("run:start", (e) => {
      writer = new ResultsWriter(e.payload.runDir, e.payload.manifest);
      profilesDir = e.payload.profilesDir;
    }),
    events.on("repetition:end", (e) => {
      if (!writer) return;
      const { record, row, series, handedIn, orphanReceipts } = e.payload;
      const profiles: ProfileRecord[] = [];
      for (const { result, attachments } of handedIn) {
        const profileFiles: Partial<Record<ProfileFileKind, Uint8Array>> = {};
        const other: Record<string, Uint8Array> = {};
        for (const [name, data] of Object.entries(attachments)) {
          if (name.startsWith("profile.")) profileFiles[name.slice("profile.".length) as ProfileFileKind] = data;
          else other[name] = data;
        }
        if (result.profile) {
          result.profile.files = writeProfileFiles(profilesDir, result.configId, result.rep, result.roleId, profileFiles) as Record<string, string>;
          profiles.push({ configId: result.configId, rep: result.rep, kind: record.kind, roleId: result.roleId, files: result.profile.files, errors: result.profile.errors });
        }
        writer.writeRoleResult(result, other);
      }
      for (const [roleId, data] of Object.entries(orphanReceipts)) writer.writeReceipts(record.configId, record.rep, roleId, data);
      writer.addRepetition(record, row, series, profiles);
    }),
    events.on("configuration:histograms", (e) => writer?.setPooledHistograms(e.payload.configId, e.payload.pooled)),
    events.on("configuration:profiles", (e) => writer?.addProfiles(e.payload.records)),
    events.on("configuration:end", (e) => writer?.addCollectorCost(e.payload.collectorCost)),
    events.on("warning", (e) => writer?.addWarning(e.payload.message)),
    events.on("run:end", (e) => writer?.setState(e.payload.state, e.payload.error)),
  ];
  return { writer: () => writer, detach: () => offs.forEach((off) => off()) };
}
