/** Search attributes ops filter runs by in the Temporal UI: `CascadeCustomerId = "c-42"`. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CustomerIdAttribute = defineSearchAttributeKey('CascadeCustomerId', SearchAttributeType.KEYWORD);
export const JourneyAttribute = defineSearchAttributeKey('CascadeJourney', SearchAttributeType.KEYWORD);
export const StepAttribute = defineSearchAttributeKey('CascadeStep', SearchAttributeType.KEYWORD);

export const searchAttributes = [CustomerIdAttribute, JourneyAttribute, StepAttribute];
