// 共建网络 · 筛选: the nodes a filter keeps: communities hosting activities of the joint
// type and the units the quarter's published plan assigned to them; units offering
// the resource kind in the quarter.

import { api } from "../../api.js";
import { errorText, listAll, toast } from "../../ui.js";

/** The role assignments of the quarter's most recently published plan (cached in s). */
async function publishedAssignments(s, quarter) {
  if (s.planCache.has(quarter)) return s.planCache.get(quarter);
  let result = [];
  try {
    // the most recently published plan of the quarter
    let pub = null;
    for (let offset = 0; ; offset += 100) {
      const page = await api(`/plans?quarter=${encodeURIComponent(quarter)}&limit=100&offset=${offset}`);
      for (const j of page.items) if (j.published_at && (!pub || j.published_at > pub.published_at)) pub = j;
      if (offset + page.items.length >= page.total || !page.items.length) break;
    }
    if (pub) {
      const job = await api(`/plans/${encodeURIComponent(pub.id)}`);
      result = (job.plan?.assignments || []).filter((a) => a.type === "role");
    }
  } catch {
    result = [];
  }
  s.planCache.set(quarter, result);
  return result;
}

/** Which nodes match the joint-type and resource-kind filters (s.jointMatch, s.kindMatch). */
export async function loadFilters(s) {
  try {
    if (s.kind) {
      const res = await listAll(`/resources?kind=${encodeURIComponent(s.kind)}`);
      s.kindMatch = new Set(res.filter((r) => !r.quarters?.length || r.quarters.includes(s.quarter)).map((r) => `Unit:${r.unit_id}`));
    } else s.kindMatch = null;
    if (s.joint) {
      const acts = await listAll(`/activities?quarter=${encodeURIComponent(s.quarter)}&joint_type=${encodeURIComponent(s.joint)}`);
      const set = new Set(acts.map((a) => `Community:${a.community_id}`));
      const ids = new Set(acts.map((a) => a.id));
      for (const a of await publishedAssignments(s, s.quarter)) {
        if (ids.has(a.activity || a.item.split("/")[0])) set.add(`Unit:${a.unit}`);
      }
      s.jointMatch = set;
    } else s.jointMatch = null;
  } catch (err) {
    toast(errorText(err), "error");
  }
}
