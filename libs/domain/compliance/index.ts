export {
  assessDeliveries,
  type CollectionRule,
  ComplianceInputError,
  type ComplianceSummary,
  type DeliveryPeriod,
  deliveryDue,
  deliveryPeriods,
  type Frequency,
  type PeriodOutcome,
  type PeriodStatus,
  summarizeCompliance,
} from './delivery-compliance';
