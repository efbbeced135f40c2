/**
 * Rebuilds datasets/real-calibration from the real-data folder (a development task, not part of the library):
 *
 *   npx tsx scripts/calibrate.ts [REAL_DATA_DIR] [OUT_DIR]     (defaults ../shared/data/real, datasets/real-calibration)
 */
import { calibrate } from "../src/import/calibrate.js";
import { writeCalibration } from "../src/import/calibrate-report.js";
import { calibrateWorld } from "../src/import/calibrate-world.js";

const [root = "../shared/data/real", out = "datasets/real-calibration"] = process.argv.slice(2);
await writeCalibration({ ...calibrate(root), skillworld: await calibrateWorld() }, out, root);
process.stderr.write(`calibration written to ${out}\n`);
