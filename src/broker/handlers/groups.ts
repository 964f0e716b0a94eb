import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { DeleteGroupsRequest } from '../../protocol/generated/delete-groups-request.js';
import { DeleteGroupsResponse } from '../../protocol/generated/delete-groups-response.js';
import { DescribeGroupsRequest } from '../../protocol/generated/describe-groups-request.js';
import { DescribeGroupsResponse } from '../../protocol/generated/describe-groups-response.js';
import { HeartbeatRequest } from '../../protocol/generated/heartbeat-request.js';
import { HeartbeatResponse } from '../../protocol/generated/heartbeat-response.js';
import { JoinGroupRequest } from '../../protocol/generated/join-group-request.js';
import { JoinGroupResponse } from '../../protocol/generated/join-group-response.js';
import { LeaveGroupRequest } from '../../protocol/generated/leave-group-request.js';
import { LeaveGroupResponse } from '../../protocol/generated/leave-group-response.js';
import { ListGroupsRequest } from '../../protocol/generated/list-groups-request.js';
import { ListGroupsResponse } from '../../protocol/generated/list-groups-response.js';
import { SyncGroupRequest } from '../../protocol/generated/sync-group-request.js';
import { SyncGroupResponse } from '../../protocol/generated/sync-group-response.js';
import { isUnavailable } from '../group-service.js';
import { defineHandler } from '../handler.js';
import { OMITTED_AUTHORIZED_OPERATIONS } from './authorized-operations.js';

/** The client address as Kafka prints it (InetAddress.toString: "/127.0.0.1"). */
function clientHost(remoteAddress: string): string {
  return `/${remoteAddress.replace(/^::ffff:/, '')}`;
}

/** JoinGroup (v0-7): waits for the rebalance; the leader gets every member's metadata. */
export const joinGroupHandler = defineHandler({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 7,
  request: JoinGroupRequest,
  response: JoinGroupResponse,
  async handle(request, ctx) {
    const out = await ctx.broker.groups.call<object>(request.groupId, (c, nowMs, id) =>
      c.joinGroup(nowMs, id, request, ctx.apiVersion, ctx.clientId ?? '', clientHost(ctx.connection.remoteAddress)),
    );
    if (!isUnavailable(out)) return out;
    return { throttleTimeMs: 0, errorCode: out.unavailable, generationId: -1, protocolName: null, leader: '', memberId: request.memberId, members: [] };
  },
});

/** SyncGroup (v1-5): the leader's assignment is handed to every member. */
export const syncGroupHandler = defineHandler({
  apiKey: ApiKey.SyncGroup,
  minVersion: 1,
  maxVersion: 5,
  request: SyncGroupRequest,
  response: SyncGroupResponse,
  async handle(request, ctx) {
    const out = await ctx.broker.groups.call<object>(request.groupId, (c, nowMs, id) => c.syncGroup(nowMs, id, request, ctx.apiVersion));
    if (!isUnavailable(out)) return out;
    return { throttleTimeMs: 0, errorCode: out.unavailable, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  },
});

/** Heartbeat (v1-4). */
export const heartbeatHandler = defineHandler({
  apiKey: ApiKey.Heartbeat,
  minVersion: 1,
  maxVersion: 4,
  request: HeartbeatRequest,
  response: HeartbeatResponse,
  async handle(request, ctx) {
    const out = await ctx.broker.groups.call<object>(request.groupId, (c, nowMs, id) => c.heartbeat(nowMs, id, request, ctx.apiVersion));
    return isUnavailable(out) ? { throttleTimeMs: 0, errorCode: out.unavailable } : out;
  },
});

/** LeaveGroup (v1-4, batched members from v3). */
export const leaveGroupHandler = defineHandler({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 1,
  maxVersion: 4,
  request: LeaveGroupRequest,
  response: LeaveGroupResponse,
  async handle(request, ctx) {
    const out = await ctx.broker.groups.call<object>(request.groupId, (c, nowMs, id) => c.leaveGroup(nowMs, id, request, ctx.apiVersion));
    return isUnavailable(out) ? { throttleTimeMs: 0, errorCode: out.unavailable, members: [] } : out;
  },
});

/** DescribeGroups (v0-5). */
export const describeGroupsHandler = defineHandler({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  request: DescribeGroupsRequest,
  response: DescribeGroupsResponse,
  async handle(request, ctx) {
    const groups = [];
    for (const groupId of request.groups) {
      const out = await ctx.broker.groups.read(groupId, (c) => ({ result: c.describeGroup(groupId) }));
      groups.push(
        isUnavailable(out)
          ? { errorCode: out.unavailable, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: OMITTED_AUTHORIZED_OPERATIONS }
          : out,
      );
    }
    return { throttleTimeMs: 0, groups };
  },
});

/** ListGroups (v0-4, states filter from v4). */
export const listGroupsHandler = defineHandler({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 4,
  request: ListGroupsRequest,
  response: ListGroupsResponse,
  handle(request, ctx) {
    const filter = ctx.apiVersion >= 4 ? request.statesFilter : [];
    const groups = ctx.broker.groups.loadedShards().flatMap((c) => c.listGroups(filter));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: groups.map((g) => ({ ...g, groupType: 'classic' })) };
  },
});

/** DeleteGroups (v0-2): only empty groups; their offsets go too. */
export const deleteGroupsHandler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  async handle(request, ctx) {
    const results = [];
    for (const groupId of request.groupsNames) {
      const out = await ctx.broker.groups.read(groupId, (c, nowMs) => {
        const { records, results } = c.deleteGroups(nowMs, [groupId]);
        return { records, result: results[0]! };
      });
      results.push(isUnavailable(out) ? { groupId, errorCode: out.unavailable } : out);
    }
    return { throttleTimeMs: 0, results };
  },
});
