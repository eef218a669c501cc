"""Registry service: the UDDI v3 inquiry subset over the services this platform publishes."""
from __future__ import annotations

from spyne import Array, Iterable, ServiceBase, Unicode, rpc

from emall_ws.services import registry
from emall_ws.soap.application import namespace_of, platform_of
from emall_ws.soap.types import Model, required

NAME = "Registry"
DESCRIPTION = ("Registri bergaya UDDI: setiap layanan mal dan mitranya, "
               "dengan endpoint dan WSDL-nya")
TNS = namespace_of(NAME)
# in the service's namespace: spyne puts a named type given none in a relative one
# ("spyne.model.primitive.string"), which toolkits such as KDSoap try to download
Key = Unicode(max_len=255, type_name="Key", __namespace__=TNS)
RequiredKey = Unicode(max_len=255, min_len=1, min_occurs=1, nillable=False, type_name="RequiredKey",
                      __namespace__=TNS)
Name = Unicode(max_len=200, type_name="Name", __namespace__=TNS)
AnswerKey, Text = required(Key), required(Unicode)  # in answers, always filled


class _Type(Model):
    __namespace__ = TNS


class TModel(_Type):
    """A tModel: a service's WSDL, at overviewURL."""
    tModelKey = AnswerKey
    name = Text
    description = Text
    overviewURL = Text


class BindingTemplate(_Type):
    """Where a service answers (accessPoint), and the tModel of its WSDL."""
    bindingKey = AnswerKey
    serviceKey = AnswerKey
    accessPoint = Text
    tModelKey = AnswerKey


class BusinessService(_Type):
    """A published service with its category and bindingTemplates."""
    serviceKey = AnswerKey
    businessKey = AnswerKey
    name = Text
    description = Text
    category = Text
    bindingTemplates = Array(BindingTemplate)


class BusinessEntity(_Type):
    """A business (the mall's operator, or a partner) with its services."""
    businessKey = AnswerKey
    name = Text
    description = Text
    businessServices = Array(BusinessService)


class ServiceInfo(_Type):
    """A service as find_service and find_business list it: get_serviceDetail gives the rest."""
    serviceKey = AnswerKey
    businessKey = AnswerKey
    name = Text
    category = Text


class BusinessInfo(_Type):
    """A business as find_business lists it, with its services."""
    businessKey = AnswerKey
    name = Text
    description = Text
    serviceInfos = Array(ServiceInfo)


class TModelInfo(_Type):
    """A tModel as find_tModel lists it: get_tModelDetail gives its overviewURL."""
    tModelKey = AnswerKey
    name = Text


def _tmodel(view: registry.TModelView) -> TModel:
    return TModel(tModelKey=view.key, name=view.name, description=view.description,
                  overviewURL=view.overview_url)


def _binding(view: registry.BindingView) -> BindingTemplate:
    return BindingTemplate(bindingKey=view.key, serviceKey=view.service_key,
                           accessPoint=view.access_point, tModelKey=view.tmodel.key)


def _service(view: registry.ServiceView) -> BusinessService:
    return BusinessService(serviceKey=view.key, businessKey=view.business_key, name=view.name,
                           description=view.description, category=view.category,
                           bindingTemplates=[_binding(b) for b in view.bindings])


def _service_info(view: registry.ServiceView) -> ServiceInfo:
    return ServiceInfo(serviceKey=view.key, businessKey=view.business_key, name=view.name,
                       category=view.category)


class RegistryService(ServiceBase):
    """Names and wildcards follow UDDI v3: '%' matches any run of characters, case-insensitively."""

    @rpc(Name, _returns=Iterable(BusinessInfo), _out_variable_name="businessInfos")
    def find_business(ctx, name):
        """Businesses (the operator, each partner) whose name matches; anyone may call. No match: an empty list."""
        return [BusinessInfo(businessKey=b.key, name=b.name, description=b.description,
                             serviceInfos=[_service_info(s) for s in b.services])
                for b in platform_of(ctx).registry.find_business(name)]

    @rpc(Name, Unicode(max_len=50), Key, _returns=Iterable(ServiceInfo),
         _out_variable_name="serviceInfos")
    def find_service(ctx, name, category, businessKey):
        """Services by name, category or businessKey, with their bindings; anyone may call.
        No match: an empty list."""
        return [_service_info(s) for s in platform_of(ctx).registry.find_service(name, category, businessKey)]

    @rpc(RequiredKey, _returns=Iterable(BindingTemplate), _out_variable_name="bindingTemplates")
    def find_binding(ctx, serviceKey):
        """The bindingTemplates (access points) of one service; anyone may call."""
        return [_binding(b) for b in platform_of(ctx).registry.find_binding(serviceKey)]

    @rpc(Name, _returns=Iterable(TModelInfo), _out_variable_name="tModelInfos")
    def find_tModel(ctx, name):
        """tModels (each service's WSDL) whose name matches; anyone may call."""
        return [TModelInfo(tModelKey=t.key, name=t.name) for t in platform_of(ctx).registry.find_tmodel(name)]

    @rpc(RequiredKey, _returns=BusinessEntity, _out_variable_name="businessEntity")
    def get_businessDetail(ctx, businessKey):
        """One business with its services; anyone may call. Client.NotFound (UNKNOWN_KEY) for a key
        not published."""
        b = platform_of(ctx).registry.get_business(businessKey)
        return BusinessEntity(businessKey=b.key, name=b.name, description=b.description,
                              businessServices=[_service(s) for s in b.services])

    @rpc(RequiredKey, _returns=BusinessService, _out_variable_name="businessService")
    def get_serviceDetail(ctx, serviceKey):
        """One service with its bindings and categories; anyone may call. Client.NotFound (UNKNOWN_KEY)."""
        return _service(platform_of(ctx).registry.get_service(serviceKey))

    @rpc(RequiredKey, _returns=BindingTemplate, _out_variable_name="bindingTemplate")
    def get_bindingDetail(ctx, bindingKey):
        """One bindingTemplate: the service's endpoint; anyone may call. Client.NotFound (UNKNOWN_KEY)."""
        return _binding(platform_of(ctx).registry.get_binding(bindingKey))

    @rpc(RequiredKey, _returns=TModel, _out_variable_name="tModel")
    def get_tModelDetail(ctx, tModelKey):
        """One tModel, its overviewURL the service's WSDL; anyone may call. Client.NotFound (UNKNOWN_KEY)."""
        return _tmodel(platform_of(ctx).registry.get_tmodel(tModelKey))
